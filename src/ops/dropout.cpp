// dropout: zero each element with probability p, scale survivors by 1/(1-p).
#include <algorithm>
#include <cstdint>

#include "core/philox.h"
#include "ops/registry.hpp"

namespace foundry {
namespace {

class Dropout final : public OpContract {
 public:
  Dropout() {
    name = "dropout";
    kernel_class = KernelClass::A;
    stage = 1;
    summary = "Inverted dropout with a counter-based Philox mask, reproducible per element";
    math = "i = r*cols + c; keep = foundry_dropout_keep(foundry_philox_u32(seed, i), "
           "foundry_dropout_threshold((float)p)); y[r,c] = keep ? x[r,c] * (1/(1-p)) : 0 "
           "(helpers from core/philox.h, part of every kernel prelude)";
    buffers = {{"x", Role::in, std::nullopt, {"rows", "cols"}},
               {"y", Role::out, std::nullopt, {"rows", "cols"}}};
    size_symbols = {"rows", "cols"};
    // The last seed sets bits of the key's upper word, so a kernel that drops
    // them draws another mask and fails.
    params = {{"p", ParamType::f32, {0.1, 0.5, 0.9}}, {"seed", ParamType::i64, {1, 2, 12345, 0x1f2e3d4c5b6a}}};
  }

  std::vector<Shape> shapes(Regime r) const override { return row_shapes(r); }

  void generate(const Case& c, std::vector<HostBuffer>& b) const override {
    fill_normal(b[0], c.seed, 0, magnitude_for_test(c.test_index));
    // Kept elements grow by 1/(1-p): up to 10x at p = 0.9.
    if (outlier_test(c)) add_outliers(b[0], c.seed, 0, b[0].dims().back(), 1e3, outlier_limit(c.dtype, 10.0));
  }

  std::vector<std::vector<double>> reference(const Case& c, const std::vector<HostBuffer>& b) const override {
    const float p = static_cast<float>(param(c, "p"));  // kernels receive it as f32
    const uint64_t seed = static_cast<uint64_t>(param(c, "seed"));
    const uint32_t threshold = foundry_dropout_threshold(p);
    const double scale = 1.0 / (1.0 - static_cast<double>(p));
    std::vector<double> y(b[0].numel());
    // Counter i/4 yields the draws of elements i..i+3 (foundry_philox_u32):
    // one Philox call per four elements, slices aligned to four.
    parallel_for((y.size() + 3) / 4, [&](std::size_t lo, std::size_t hi) {
      for (std::size_t k = lo; k < hi; ++k) {
        const foundry_philox4 w = foundry_philox(seed, k);
        for (std::size_t i = 4 * k; i < std::min(4 * k + 4, y.size()); ++i)
          y[i] = foundry_dropout_keep(w.v[i & 3], threshold) ? b[0].get(i) * scale : 0.0;
      }
    });
    return reference_outputs(y);
  }

  Traffic traffic(const Case& c) const override {
    const double n = static_cast<double>(dim(c, "rows") * dim(c, "cols"));
    const double bytes = total_bytes(c);
    // Compare and scale; the Philox rounds are integer work, not counted.
    return {bytes, 2.0 * n};
  }
};

}  // namespace

std::unique_ptr<OpContract> make_dropout() { return std::make_unique<Dropout>(); }

}  // namespace foundry
