// dequantize: y = q * scale with one f32 scale per row of int8 values.
#include <cmath>

#include "ops/registry.hpp"

namespace foundry {
namespace {

class Dequantize final : public OpContract {
 public:
  Dequantize() {
    name = "dequantize";
    kernel_class = KernelClass::F;
    stage = 3;
    summary = "Per-row int8 dequantisation: the inverse of quantize";
    math = "y[r,c] = q[r,c] * scale[r]";
    buffers = {{"q", Role::in, Elem::i8, {"rows", "cols"}},
               {"scale", Role::in, Elem::f32, {"rows"}},
               {"y", Role::out, std::nullopt, {"rows", "cols"}}};
    size_symbols = {"rows", "cols"};
  }

  std::vector<Shape> shapes(Regime r) const override { return row_shapes(r); }

  void generate(const Case& c, std::vector<HostBuffer>& b) const override {
    for (std::size_t i = 0; i < b[0].numel(); ++i)
      b[0].set(i, std::floor(uniform01(c.seed, 0, i) * 255.0) - 127.0);
    // q holds no magnitude, so the adversarial one goes into the scales: the
    // large variant gives outputs in the thousands, the tiny one f16 subnormals.
    const double m = magnitude_for_test(c.test_index);
    for (std::size_t r = 0; r < b[1].numel(); ++r)
      b[1].set(r, m * std::pow(10.0, -3.0 + 3.0 * uniform01(c.seed, 1, r)));
  }

  std::vector<std::vector<double>> reference(const Case& c, const std::vector<HostBuffer>& b) const override {
    const int64_t rows = dim(c, "rows"), cols = dim(c, "cols");
    std::vector<double> y(static_cast<std::size_t>(rows * cols));
    parallel_for(static_cast<std::size_t>(rows), [&](std::size_t lo, std::size_t hi) {
      for (int64_t r = static_cast<int64_t>(lo); r < static_cast<int64_t>(hi); ++r)
        for (int64_t j = 0; j < cols; ++j) y[r * cols + j] = b[0].get(r * cols + j) * b[1].get(r);
    }, 64);
    return reference_outputs(y);
  }

  Traffic traffic(const Case& c) const override {
    const double n = static_cast<double>(dim(c, "rows") * dim(c, "cols"));
    const double bytes = total_bytes(c);
    return {bytes, n};
  }
};

}  // namespace

std::unique_ptr<OpContract> make_dequantize() { return std::make_unique<Dequantize>(); }

}  // namespace foundry
