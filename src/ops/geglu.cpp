// geglu: y = gelu(gate) * up, exact (erf) or tanh-approximated GELU.
#include <cmath>
#include <numbers>

#include "ops/registry.hpp"

namespace foundry {
namespace {

class GeGlu final : public OpContract {
 public:
  GeGlu() {
    name = "geglu";
    kernel_class = KernelClass::C;
    stage = 2;
    summary = "GELU-gated linear unit, with the exact or the tanh-approximated GELU";
    math = "y[r,c] = gelu(gate[r,c]) * up[r,c]; approximate = 0: gelu(g) = 0.5*g*(1 + erf(g/sqrt(2))); "
           "approximate = 1: gelu(g) = 0.5*g*(1 + tanh(sqrt(2/pi)*(g + 0.044715*g^3)))";
    buffers = {{"gate", Role::in, std::nullopt, {"rows", "cols"}},
               {"up", Role::in, std::nullopt, {"rows", "cols"}},
               {"y", Role::out, std::nullopt, {"rows", "cols"}}};
    size_symbols = {"rows", "cols"};
    params = {{"approximate", ParamType::i64, {0, 1}}};
  }

  std::vector<Shape> shapes(Regime r) const override {
    // cols is the MLP's intermediate width (11008, 14336 in common models).
    switch (r) {
      case Regime::decode: return {{{"rows", 1}, {"cols", 14336}}, {{"rows", 8}, {"cols", 11008}}, {{"rows", 64}, {"cols", 14336}}};
      case Regime::prefill: return {{{"rows", 1024}, {"cols", 14336}}};
      case Regime::odd: return {{{"rows", 7}, {"cols", 1031}}, {{"rows", 33}, {"cols", 3}}, {{"rows", 129}, {"cols", 4097}}};
    }
    return {};
  }

  void generate(const Case& c, std::vector<HostBuffer>& b) const override {
    // The gate carries the nonlinearity, so it takes the adversarial magnitude:
    // large gates push g^3 and erf/tanh into saturation.
    const double m = magnitude_for_test(c.test_index);
    fill_normal(b[0], c.seed, 0, m);
    fill_normal(b[1], c.seed, 1, 1.0);
    // Gate outliers pass through nearly linearly, times up (|up| < 6).
    if (outlier_test(c)) add_outliers(b[0], c.seed, 0, dim(c, "cols"), 1e3, outlier_limit(c.dtype, 6.0));
  }

  std::vector<std::vector<double>> reference(const Case& c, const std::vector<HostBuffer>& b) const override {
    const int64_t n = dim(c, "rows") * dim(c, "cols");
    const bool approximate = param(c, "approximate") != 0;
    const double k = std::sqrt(2.0 / std::numbers::pi);
    std::vector<double> y(static_cast<std::size_t>(n));
    parallel_for(static_cast<std::size_t>(n), [&](std::size_t lo, std::size_t hi) {
      for (std::size_t i = lo; i < hi; ++i) {
        const double g = b[0].get(i);
        const double gelu = approximate ? 0.5 * g * (1.0 + std::tanh(k * (g + 0.044715 * g * g * g)))
                                        : 0.5 * g * (1.0 + std::erf(g / std::numbers::sqrt2));
        y[i] = gelu * b[1].get(i);
      }
    });
    return reference_outputs(y);
  }

  Traffic traffic(const Case& c) const override {
    const double n = static_cast<double>(dim(c, "rows") * dim(c, "cols"));
    const double bytes = total_bytes(c);
    // tanh form: cube (2), fma, scale, tanh, add, two multiplies, times up.
    return {bytes, 9.0 * n};
  }
};

}  // namespace

std::unique_ptr<OpContract> make_geglu() { return std::make_unique<GeGlu>(); }

}  // namespace foundry
