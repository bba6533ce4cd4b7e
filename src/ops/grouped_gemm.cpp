// grouped_gemm: the MoE expert matmul, y = x * w[e] for each expert's group of rows.
#include <algorithm>
#include <cmath>

#include "ops/registry.hpp"
#include "ops/sampling.hpp"

namespace foundry {
namespace {

class GroupedGemm final : public OpContract {
 public:
  GroupedGemm() {
    name = "grouped_gemm";
    kernel_class = KernelClass::D;
    stage = 5;
    summary = "Grouped matmul: rows of x grouped by expert, each group times its expert's weight matrix";
    math = "y[i,n] = sum_k x[i,k] * w[e,k,n] for expert_offsets[e] <= i < expert_offsets[e+1]";
    buffers = {{"x", Role::in, std::nullopt, {"total_rows", "k_dim"}},
               {"w", Role::in, std::nullopt, {"experts", "k_dim", "n_dim"}},
               {"expert_offsets", Role::in, Elem::i32, {"experts+1"}},
               {"y", Role::out, std::nullopt, {"total_rows", "n_dim"}}};
    size_symbols = {"total_rows", "experts", "k_dim", "n_dim"};
  }

  std::vector<Shape> shapes(Regime r) const override {
    // Decode is weight-bound (few rows, most experts idle); prefill stays small
    // enough for a float64 reference on a CPU (about 1e9 multiply-adds).
    switch (r) {
      case Regime::decode: return {{{"total_rows", 2}, {"experts", 8}, {"k_dim", 2048}, {"n_dim", 1024}}, {{"total_rows", 16}, {"experts", 32}, {"k_dim", 1024}, {"n_dim", 512}}, {{"total_rows", 64}, {"experts", 8}, {"k_dim", 1024}, {"n_dim", 1024}}};
      case Regime::prefill: return {{{"total_rows", 1024}, {"experts", 8}, {"k_dim", 1024}, {"n_dim", 1024}}};
      case Regime::odd: return {{{"total_rows", 7}, {"experts", 3}, {"k_dim", 33}, {"n_dim", 1031}}, {{"total_rows", 129}, {"experts", 7}, {"k_dim", 257}, {"n_dim", 33}}, {{"total_rows", 33}, {"experts", 5}, {"k_dim", 3}, {"n_dim", 7}}};
    }
    return {};
  }

  void generate(const Case& c, std::vector<HostBuffer>& b) const override {
    fill_normal(b[0], c.seed, 0, magnitude_for_test(c.test_index));
    // w ~ N(0, 1/k) keeps an outlier's contribution to y in the hundreds.
    if (outlier_test(c)) add_outliers(b[0], c.seed, 0, dim(c, "k_dim"), 1e3, 1e4);
    // w ~ N(0, 1/k_dim) keeps y about as large as x for any k_dim.
    fill_normal(b[1], c.seed, 1, 1.0 / std::sqrt(static_cast<double>(dim(c, "k_dim"))));
    const auto offsets = group_offsets(c);
    for (std::size_t e = 0; e < offsets.size(); ++e) b[2].set(e, offsets[e]);
  }

  std::vector<std::vector<double>> reference(const Case& c, const std::vector<HostBuffer>& b) const override {
    const int64_t experts = dim(c, "experts"), k_dim = dim(c, "k_dim"), n_dim = dim(c, "n_dim");
    std::vector<double> y(b[3].numel(), 0.0), w(static_cast<std::size_t>(k_dim * n_dim));
    for (int64_t e = 0; e < experts; ++e) {
      const auto first = static_cast<int64_t>(b[2].get(e)), last = static_cast<int64_t>(b[2].get(e + 1));
      if (first == last) continue;
      // One expert's weights in float64, then a row-times-matrix loop the compiler vectorises.
      for (std::size_t i = 0; i < w.size(); ++i) w[i] = b[1].get(e * k_dim * n_dim + i);
      for (int64_t row = first; row < last; ++row) {
        double* out = &y[row * n_dim];
        for (int64_t k = 0; k < k_dim; ++k) {
          const double a = b[0].get(row * k_dim + k);
          const double* wk = &w[k * n_dim];
          for (int64_t n = 0; n < n_dim; ++n) out[n] += a * wk[n];
        }
      }
    }
    return reference_outputs(y);
  }

  // Base tolerances for unit-scale outputs and k_dim <= 1024, assuming f32
  // accumulation; compare() scales them to the case.
  Tolerance tolerance(DType d, const BufferSpec& out) const override {
    switch (d) {
      case DType::f32: return {1e-4, 1e-4};
      case DType::f16: return {2e-3, 2e-3};
      case DType::bf16: return {1.6e-2, 1.6e-2};
    }
    return OpContract::tolerance(d, out);
  }

  bool elementwise_check() const override { return false; }

  CheckResult compare(const Case& c, const BufferView& b,
                      const std::vector<std::vector<double>>& ref) const override {
    // Summation error grows like sqrt(k_dim) beyond the 1024 the base covers
    // (compare_elementwise already scales atol to the output's RMS).
    const double growth = std::max(1.0, std::sqrt(static_cast<double>(dim(c, "k_dim")) / 1024.0));
    Tolerance tol = tolerance(c.dtype, buffers[3]);
    tol.atol *= growth;
    tol.rtol *= growth;
    CheckResult r;
    compare_elementwise(b[3], ref.at(0), tol, r);
    return r;
  }

  Traffic traffic(const Case& c) const override {
    // Weights of experts with no rows need not be read.
    const auto offsets = group_offsets(c);
    double used = 0;
    for (std::size_t e = 0; e + 1 < offsets.size(); ++e) used += offsets[e + 1] > offsets[e];
    const double w_bytes = buffer_bytes(buffer("w"), c) / static_cast<double>(dim(c, "experts")) * used;
    const double bytes = buffer_bytes(buffer("x"), c) + w_bytes + buffer_bytes(buffer("expert_offsets"), c) +
                         buffer_bytes(buffer("y"), c);
    return {bytes, 2.0 * static_cast<double>(dim(c, "total_rows") * dim(c, "k_dim") * dim(c, "n_dim"))};
  }

 private:
  // Skewed group sizes with some empty groups, from top-1 routing of every row;
  // the same draws in generate and traffic.
  std::vector<int32_t> group_offsets(const Case& c) const {
    const int64_t experts = dim(c, "experts");
    return sampling::pack_routes(sampling::sample_routes(c.seed, 2, dim(c, "total_rows"), experts, 1), experts).offsets;
  }
};

}  // namespace

std::unique_ptr<OpContract> make_grouped_gemm() { return std::make_unique<GroupedGemm>(); }

}  // namespace foundry
