// rope: rotary position embedding, NeoX half-rotation layout.
#include <cmath>
#include <mutex>
#include <limits>

#include <fmt/format.h>

#include "ops/registry.hpp"

namespace foundry {
namespace {

// Positions are drawn from [0, kMaxPosition); kernels may rely on the bound.
constexpr int64_t kMaxPosition = 8192;

class Rope final : public OpContract {
 public:
  Rope() {
    name = "rope";
    kernel_class = KernelClass::E;
    stage = 2;
    summary = "Rotary position embedding (NeoX layout: element i pairs with i + head_dim/2)";
    math = "half = head_dim/2; for i < half: a = positions[t] * theta^(-2i/head_dim); "
           "y[t,h,i] = x[t,h,i]*cos(a) - x[t,h,i+half]*sin(a); "
           "y[t,h,i+half] = x[t,h,i+half]*cos(a) + x[t,h,i]*sin(a). "
           "head_dim is always even; positions lie in [0, 8192)";
    buffers = {{"x", Role::in, std::nullopt, {"tokens", "heads", "head_dim"}},
               {"positions", Role::in, Elem::i32, {"tokens"}},
               {"y", Role::out, std::nullopt, {"tokens", "heads", "head_dim"}}};
    size_symbols = {"tokens", "heads", "head_dim"};
    params = {{"theta", ParamType::f32, {10000, 500000}}};
  }

  std::vector<Shape> shapes(Regime r) const override {
    auto shape = [](int64_t tokens, int64_t heads, int64_t head_dim) {
      return Shape{{"tokens", tokens}, {"heads", heads}, {"head_dim", head_dim}};
    };
    switch (r) {
      case Regime::decode: return {shape(1, 32, 128), shape(8, 32, 128), shape(32, 8, 64)};
      case Regime::prefill: return {shape(4096, 32, 128)};
      // Even head_dims that are not multiples of 4 or 8 defeat vector widths.
      case Regime::odd: return {shape(5, 3, 6), shape(7, 1, 2), shape(3, 7, 10), shape(33, 5, 66)};
    }
    return {};
  }

  void generate(const Case& c, std::vector<HostBuffer>& b) const override {
    const double m = magnitude_for_test(c.test_index);
    fill_normal(b[0], c.seed, 0, m);
    if (outlier_test(c)) add_outliers(b[0], c.seed, 0, b[0].dims().back(), 1e3, 1e4);
    for (std::size_t t = 0; t < b[1].numel(); ++t)
      b[1].set(t, std::floor(uniform01(c.seed, 1, t) * static_cast<double>(kMaxPosition)));
  }

  std::vector<std::vector<double>> reference(const Case& c, const std::vector<HostBuffer>& b) const override {
    const int64_t tokens = dim(c, "tokens"), heads = dim(c, "heads"), head_dim = dim(c, "head_dim");
    const int64_t half = head_dim / 2;
    const double theta = static_cast<float>(param(c, "theta"));  // kernels receive it as f32
    std::vector<double> y(static_cast<std::size_t>(tokens * heads * head_dim));
    parallel_for(static_cast<std::size_t>(tokens), [&](std::size_t t0, std::size_t t1) {
      for (int64_t t = static_cast<int64_t>(t0); t < static_cast<int64_t>(t1); ++t) {
        const double pos = b[1].get(t);
        for (int64_t i = 0; i < half; ++i) {
          const double a = pos * std::pow(theta, -2.0 * static_cast<double>(i) / static_cast<double>(head_dim));
          const double cs = std::cos(a), sn = std::sin(a);
          for (int64_t h = 0; h < heads; ++h) {
            const int64_t base = (t * heads + h) * head_dim;
            const double lo = b[0].get(base + i), hi = b[0].get(base + i + half);
            y[base + i] = lo * cs - hi * sn;
            y[base + i + half] = hi * cs + lo * sn;
          }
        }
      }
    }, 64);
    return reference_outputs(y);
  }

  Traffic traffic(const Case& c) const override {
    const double n = static_cast<double>(dim(c, "tokens") * dim(c, "heads") * dim(c, "head_dim"));
    const double bytes = total_bytes(c);
    // Per pair: four multiplies and two adds; sin/cos are shared across heads.
    return {bytes, 3.0 * n};
  }

  Tolerance tolerance(DType d, const BufferSpec& out) const override {
    // A float kernel's angle pos*inv_freq is off by up to ~1e-3 rad at positions
    // near 8192 (half an ulp of the product plus an ulp of inv_freq), far above
    // f32 rounding, so f32 gets 2e-3. f16 needs that plus its own output rounding
    // (4.9e-4), hence 3e-3; bf16's default 1.6e-2 already covers both.
    switch (d) {
      case DType::f32: return {2e-3, 2e-3};
      case DType::f16: return {3e-3, 3e-3};
      case DType::bf16: break;
    }
    return OpContract::tolerance(d, out);
  }

  // An angle error turns each (i, i+half) pair, moving a component by the error
  // times the pair's norm, not its own magnitude: a component near zero with a
  // large partner would fail a plain elementwise rtol. So the relative term of
  // the bound is taken against the pair norm.
  bool elementwise_check() const override { return false; }

  CheckResult compare(const Case& c, const BufferView& b,
                      const std::vector<std::vector<double>>& ref) const override {
    const int yi = buffer_index("y");
    const HostBuffer& y = b[yi];
    const std::vector<double>& want = ref.at(0);
    const Tolerance tol = tolerance(c.dtype, buffers[yi]);
    CheckResult r;
    // The shared check judges poison and non-finite values and keeps the error
    // statistics; its bound is lifted because the pair bound below replaces it.
    compare_elementwise(y, want, {std::numeric_limits<double>::infinity(), 0}, r);
    const std::size_t head_dim = static_cast<std::size_t>(dim(c, "head_dim")), half = head_dim / 2;
    const double atol = tol.atol * rms(want);  // relative to the output's scale, as everywhere
    // Slices in parallel (GPU prefill outputs hold 67 M elements); the first
    // offending element overall is the smallest slice's first.
    std::mutex mu;
    int64_t mismatches = 0;
    std::size_t first = y.numel();
    parallel_for(y.numel(), [&](std::size_t lo, std::size_t hi) {
      int64_t n = 0;
      std::size_t f = y.numel();
      for (std::size_t i = lo; i < hi; ++i) {
        const double got = y.get(i);
        if (!std::isfinite(got) || !std::isfinite(want[i])) continue;  // judged above
        const std::size_t partner = i % head_dim < half ? i + half : i - half;
        const double bound = atol + tol.rtol * std::sqrt(want[i] * want[i] + want[partner] * want[partner]);
        if (std::fabs(got - want[i]) <= bound) continue;
        if (n++ == 0) f = i;
      }
      std::lock_guard lk(mu);
      mismatches += n;
      first = std::min(first, f);
    });
    r.mismatches += mismatches;
    if (mismatches && r.status == Status::ok) {
      r.status = Status::mismatch;
      r.detail = element_detail("y", first, y.get(first), want[first], Status::mismatch);
    }
    return r;
  }
};

}  // namespace

std::unique_ptr<OpContract> make_rope() { return std::make_unique<Rope>(); }

}  // namespace foundry
