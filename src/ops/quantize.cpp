// quantize: symmetric per-row absmax int8 quantisation.
#include <algorithm>
#include <cmath>
#include <utility>

#include "ops/registry.hpp"

namespace foundry {
namespace {

class Quantize final : public OpContract {
 public:
  Quantize() {
    name = "quantize";
    kernel_class = KernelClass::F;
    stage = 3;
    summary = "Symmetric per-row int8 quantisation with an absmax scale";
    math = "absmax = max_c |x[r,c]|; scale[r] = absmax / 127 (f32 division); "
           "q[r,c] = clamp(round_half_away_from_zero(x[r,c] / scale[r]), -127, 127). "
           "A row with absmax == 0 stores scale 0 and q 0: kernels must test for it, not divide";
    buffers = {{"x", Role::in, std::nullopt, {"rows", "cols"}},
               {"q", Role::out, Elem::i8, {"rows", "cols"}},
               {"scale", Role::out, Elem::f32, {"rows"}}};
    size_symbols = {"rows", "cols"};
  }

  std::vector<Shape> shapes(Regime r) const override { return row_shapes(r); }

  void generate(const Case& c, std::vector<HostBuffer>& b) const override {
    fill_normal(b[0], c.seed, 0, magnitude_for_test(c.test_index));
    // The tiny-magnitude variant also zeroes the last row, so the absmax == 0
    // rule is exercised; a single-row case keeps its data.
    const int64_t rows = dim(c, "rows"), cols = dim(c, "cols");
    if (c.test_index % 3 == 2 && rows > 1)
      for (int64_t j = 0; j < cols; ++j) b[0].set((rows - 1) * cols + j, 0.0);
    // An outlier sets its row's scale, and the row's other values round to few levels.
    if (outlier_test(c)) add_outliers(b[0], c.seed, 0, cols, 1e3, 1e4);
    if (constant_rows_test(c)) make_constant_rows(b[0], cols);
  }

  std::vector<std::vector<double>> reference(const Case& c, const std::vector<HostBuffer>& b) const override {
    const int64_t rows = dim(c, "rows"), cols = dim(c, "cols");
    std::vector<double> q(static_cast<std::size_t>(rows * cols), 0.0), scale(static_cast<std::size_t>(rows));
    for (int64_t r = 0; r < rows; ++r) {
      double absmax = 0;
      for (int64_t j = 0; j < cols; ++j) absmax = std::max(absmax, std::fabs(b[0].get(r * cols + j)));
      // The stored f32 scale, which is what a consumer dequantises with.
      scale[r] = round_to(Elem::f32, absmax / 127.0);
      if (absmax == 0) continue;
      for (int64_t j = 0; j < cols; ++j)
        q[r * cols + j] = std::clamp(std::round(b[0].get(r * cols + j) / scale[r]), -127.0, 127.0);
    }
    return reference_outputs(q, scale);
  }

  Traffic traffic(const Case& c) const override {
    const double n = static_cast<double>(dim(c, "rows") * dim(c, "cols"));
    const double bytes = total_bytes(c);
    // abs and max; divide, round, clamp.
    return {bytes, 5.0 * n};
  }

  Tolerance tolerance(DType, const BufferSpec& out) const override {
    // q: exact (compare() allows one step only at a .5 tie). scale: one f32
    // division of an exactly read absmax.
    return out.name == "q" ? Tolerance{0, 0} : Tolerance{0, 1e-6};
  }

  bool elementwise_check() const override { return false; }

  CheckResult compare(const Case& c, const BufferView& b,
                      const std::vector<std::vector<double>>& ref) const override {
    // A float quotient x/scale may land on the other side of a .5 tie than the
    // double one, so q may differ by one there, and only there: truncating or
    // rounding half to even elsewhere still fails.
    const int64_t cols = dim(c, "cols");
    CheckResult r;
    compare_elementwise(b[2], ref[1], tolerance(c.dtype, buffers[2]), r);
    // Only the codes that differ by one are looked at (the rest pass or fail
    // as they are); the reference is copied only where one of them is a tie.
    std::vector<std::pair<std::size_t, double>> ties;
    const std::vector<double>& want = ref[0];
    for (std::size_t i = 0; i < want.size(); ++i) {
      const double got = b[1].get(i);
      if (got == want[i] || std::fabs(got - want[i]) != 1) continue;
      const double s = ref[1][i / static_cast<std::size_t>(cols)];
      if (s == 0) continue;
      const double v = std::fabs(b[0].get(i) / s);
      if (std::fabs(v - std::floor(v) - 0.5) <= 1e-5 * std::max(1.0, v)) ties.emplace_back(i, got);  // decided the other way
    }
    if (ties.empty()) {
      compare_elementwise(b[1], want, tolerance(c.dtype, buffers[1]), r);
      return r;
    }
    std::vector<double> q_allowed = want;
    for (const auto& [i, got] : ties) q_allowed[i] = got;
    compare_elementwise(b[1], q_allowed, tolerance(c.dtype, buffers[1]), r);
    return r;
  }
};

}  // namespace

std::unique_ptr<OpContract> make_quantize() { return std::make_unique<Quantize>(); }

}  // namespace foundry
