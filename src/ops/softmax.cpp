// softmax: y = exp(x - max) / sum(exp(x - max)), one row at a time.
#include <algorithm>
#include <cmath>

#include "ops/registry.hpp"

namespace foundry {
namespace {

class Softmax final : public OpContract {
 public:
  Softmax() {
    name = "softmax";
    kernel_class = KernelClass::B;
    stage = 1;
    summary = "Numerically stable softmax over the last dimension";
    math = "y[r,c] = exp(x[r,c] - max_c x[r,:]) / sum_c exp(x[r,:] - max_c x[r,:])";
    buffers = {{"x", Role::in, std::nullopt, {"rows", "cols"}},
               {"y", Role::out, std::nullopt, {"rows", "cols"}}};
    size_symbols = {"rows", "cols"};
  }

  std::vector<Shape> shapes(Regime r) const override {
    switch (r) {
      // Decode: attention scores for a few heads, and one row over a 32k vocabulary.
      case Regime::decode: return {{{"rows", 1}, {"cols", 32000}}, {{"rows", 8}, {"cols", 4096}}, {{"rows", 32}, {"cols", 8192}}};
      case Regime::prefill: return {{{"rows", 4096}, {"cols", 4096}}};
      case Regime::odd: return {{{"rows", 7}, {"cols", 1031}}, {{"rows", 33}, {"cols", 3}}, {{"rows", 129}, {"cols", 4097}}};
    }
    return {};
  }

  void generate(const Case& c, std::vector<HostBuffer>& b) const override {
    // Softmax ignores a common shift, so an offset of 2*m costs no meaning yet
    // overflows exp() in any kernel that skips the row max at m = 64 (x ~ 128).
    // The spread grows only as sqrt(m), so large rows stay far from one-hot and
    // the normalising sum still matters.
    const double m = magnitude_for_test(c.test_index);
    fill_normal(b[0], c.seed, 0, std::sqrt(m), 2.0 * m);
    // Outliers make rows nearly one-hot; a constant row is uniform.
    if (outlier_test(c)) add_outliers(b[0], c.seed, 0, dim(c, "cols"), 1e3, 1e4);
    if (constant_rows_test(c)) make_constant_rows(b[0], dim(c, "cols"));
  }

  std::vector<std::vector<double>> reference(const Case& c, const std::vector<HostBuffer>& b) const override {
    const int64_t rows = dim(c, "rows"), cols = dim(c, "cols");
    std::vector<double> y(static_cast<std::size_t>(rows * cols));
    parallel_for(static_cast<std::size_t>(rows), [&](std::size_t lo, std::size_t hi) {
      for (int64_t r = static_cast<int64_t>(lo); r < static_cast<int64_t>(hi); ++r) {
        double mx = -INFINITY;
        for (int64_t j = 0; j < cols; ++j) mx = std::max(mx, b[0].get(r * cols + j));
        double sum = 0;
        for (int64_t j = 0; j < cols; ++j) {
          y[r * cols + j] = std::exp(b[0].get(r * cols + j) - mx);
          sum += y[r * cols + j];
        }
        for (int64_t j = 0; j < cols; ++j) y[r * cols + j] /= sum;
      }
    }, 64);
    return reference_outputs(y);
  }

  Traffic traffic(const Case& c) const override {
    const double n = static_cast<double>(dim(c, "rows") * dim(c, "cols"));
    const double bytes = total_bytes(c);
    // max; subtract, exp, accumulate; normalise.
    return {bytes, 5.0 * n};
  }
};

}  // namespace

std::unique_ptr<OpContract> make_softmax() { return std::make_unique<Softmax>(); }

}  // namespace foundry
