// rmsnorm: y = x / sqrt(mean(x^2) + eps) * w, one row at a time.
#include <cmath>

#include "ops/registry.hpp"

namespace foundry {
namespace {

class RmsNorm final : public OpContract {
 public:
  RmsNorm() {
    name = "rmsnorm";
    kernel_class = KernelClass::B;
    stage = 1;
    summary = "RMS normalisation over the last dimension with a learned scale";
    math = "y[r,c] = x[r,c] / sqrt(mean_c(x[r,:]^2) + eps) * w[c]";
    buffers = {{"x", Role::in, std::nullopt, {"rows", "cols"}},
               {"w", Role::in, std::nullopt, {"cols"}},
               {"y", Role::out, std::nullopt, {"rows", "cols"}}};
    size_symbols = {"rows", "cols"};
    params = {{"eps", ParamType::f32, {1e-5, 1e-6}}};
  }

  std::vector<Shape> shapes(Regime r) const override { return row_shapes(r); }

  void generate(const Case& c, std::vector<HostBuffer>& b) const override {
    const double m = magnitude_for_test(c.test_index);
    fill_normal(b[0], c.seed, 0, m);
    fill_normal(b[1], c.seed, 1, 0.5, 1.0);
    if (outlier_test(c)) add_outliers(b[0], c.seed, 0, dim(c, "cols"), 1e3, 1e4);
    if (constant_rows_test(c)) make_constant_rows(b[0], dim(c, "cols"));
  }

  std::vector<std::vector<double>> reference(const Case& c, const std::vector<HostBuffer>& b) const override {
    const int64_t rows = dim(c, "rows"), cols = dim(c, "cols");
    const double eps = static_cast<float>(param(c, "eps"));
    std::vector<double> y(static_cast<std::size_t>(rows * cols));
    parallel_for(static_cast<std::size_t>(rows), [&](std::size_t lo, std::size_t hi) {
      for (int64_t r = static_cast<int64_t>(lo); r < static_cast<int64_t>(hi); ++r) {
        double ss = 0;
        for (int64_t j = 0; j < cols; ++j) ss += b[0].get(r * cols + j) * b[0].get(r * cols + j);
        const double inv = 1.0 / std::sqrt(ss / static_cast<double>(cols) + eps);
        for (int64_t j = 0; j < cols; ++j) y[r * cols + j] = b[0].get(r * cols + j) * inv * b[1].get(j);
      }
    }, 64);
    return reference_outputs(y);
  }

  Traffic traffic(const Case& c) const override {
    const double n = static_cast<double>(dim(c, "rows") * dim(c, "cols"));
    const double bytes = total_bytes(c);
    return {bytes, 4.0 * n};
  }
};

}  // namespace

std::unique_ptr<OpContract> make_rmsnorm() { return std::make_unique<RmsNorm>(); }

}  // namespace foundry
