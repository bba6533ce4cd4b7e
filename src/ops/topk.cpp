// topk: the k largest values of each row, sorted descending, with their indices.
#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "ops/registry.hpp"
#include "ops/sampling.hpp"
#include "ops/selection.hpp"

namespace foundry {
namespace {

class TopK final : public OpContract {
 public:
  TopK() {
    name = "topk";
    kernel_class = KernelClass::B;
    stage = 3;
    summary = "The k largest values of each row, sorted descending, and their column indices";
    math = "values[r,:] = the k largest of x[r,:], descending; x[r, indices[r,j]] = values[r,j]";
    buffers = {{"x", Role::in, std::nullopt, {"rows", "cols"}},
               {"values", Role::out, std::nullopt, {"rows", "k"}},
               {"indices", Role::out, Elem::i32, {"rows", "k"}}};
    size_symbols = {"rows", "cols", "k"};
  }

  std::vector<Shape> shapes(Regime r) const override {
    // cols stays below 1536 so the distinct values generate() uses stay finite in f16.
    switch (r) {
      case Regime::decode: return {{{"rows", 1}, {"cols", 1024}, {"k", 50}}, {{"rows", 8}, {"cols", 256}, {"k", 8}}, {{"rows", 64}, {"cols", 128}, {"k", 1}}};
      case Regime::prefill: return {{{"rows", 4096}, {"cols", 1024}, {"k", 8}}, {{"rows", 4096}, {"cols", 128}, {"k", 50}}};
      case Regime::odd: return {{{"rows", 7}, {"cols", 1031}, {"k", 50}}, {{"rows", 33}, {"cols", 3}, {"k", 3}}, {{"rows", 129}, {"cols", 257}, {"k", 7}}};
    }
    return {};
  }

  void generate(const Case& c, std::vector<HostBuffer>& b) const override {
    // Each row is a permutation of distinct exactly representable values, so the
    // answer has no ties in any dtype. Rows cycle through mixed signs, all
    // negative and all nonnegative, which catches a running max started at 0.
    const int64_t rows = dim(c, "rows"), cols = dim(c, "cols");
    const double step = sampling::rank_step(cols, magnitude_for_test(c.test_index));
    const int64_t lowest_rank[] = {-cols / 2, -cols, 0};
    for (int64_t r = 0; r < rows; ++r) sampling::fill_distinct_row(b[0], r, cols, lowest_rank[r % 3], step, c.seed, 0);
    if (outlier_test(c)) sampling::add_rank_outliers(b[0], rows, cols, c.seed, 1);
  }

  std::vector<std::vector<double>> reference(const Case& c, const std::vector<HostBuffer>& b) const override {
    const int64_t rows = dim(c, "rows"), cols = dim(c, "cols"), k = dim(c, "k");
    std::vector<double> values(static_cast<std::size_t>(rows * k)), indices(values.size());
    std::vector<int64_t> order(static_cast<std::size_t>(cols));
    for (int64_t r = 0; r < rows; ++r) {
      auto x = [&](int64_t j) { return b[0].get(r * cols + j); };
      std::iota(order.begin(), order.end(), int64_t{0});
      // Ties go to the lower index; compare() accepts any order among ties.
      std::partial_sort(order.begin(), order.begin() + k, order.end(),
                        [&](int64_t a, int64_t z) { return x(a) > x(z) || (x(a) == x(z) && a < z); });
      for (int64_t j = 0; j < k; ++j) {
        values[r * k + j] = x(order[j]);
        indices[r * k + j] = static_cast<double>(order[j]);
      }
    }
    return reference_outputs(values, indices);
  }

  // A correct kernel copies the selected elements, so values must match exactly.
  Tolerance tolerance(DType d, const BufferSpec& out) const override {
    if (out.name == "values") return {0, 0};
    return OpContract::tolerance(d, out);
  }

  bool elementwise_check() const override { return false; }

  CheckResult compare(const Case& c, const BufferView& b,
                      const std::vector<std::vector<double>>& ref) const override {
    // Values against the reference; indices only for pointing at their value,
    // since equal values may be listed in either order.
    const int64_t cols = dim(c, "cols"), k = dim(c, "k");
    CheckResult r;
    compare_elementwise(b[1], ref.at(0), tolerance(c.dtype, buffers[1]), r);
    selection::check_indices(b[2], dim(c, "rows"), k, cols, [&](int64_t row, int64_t j, int64_t index) -> std::string {
      const double chosen = b[0].get(row * cols + index), listed = b[1].get(row * k + j);
      if (chosen == listed) return "";
      return fmt::format("x[{},{}] = {} but values[{}] = {}", row, index, chosen, row * k + j, listed);
    }, r);
    return r;
  }

  Traffic traffic(const Case& c) const override {
    const double bytes = total_bytes(c);
    // One comparison per element against the running selection.
    return {bytes, static_cast<double>(dim(c, "rows") * dim(c, "cols"))};
  }
};

}  // namespace

std::unique_ptr<OpContract> make_topk() { return std::make_unique<TopK>(); }

}  // namespace foundry
