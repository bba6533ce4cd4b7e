// scatter: dst[idx[i],:] = src[i,:] with distinct indices, so the result is
// unique whatever order a kernel writes in.
#include "ops/registry.hpp"
#include "ops/sampling.hpp"

namespace foundry {
namespace {

class Scatter final : public OpContract {
 public:
  Scatter() {
    name = "scatter";
    kernel_class = KernelClass::G;
    stage = 2;
    summary = "Row scatter into a table at distinct indices; other rows are left as they were";
    math = "dst[idx[i],c] = src[i,c] (idx distinct, n <= vocab); dst rows not in idx unchanged";
    buffers = {{"src", Role::in, std::nullopt, {"n", "cols"}},
               {"idx", Role::in, Elem::i32, {"n"}},
               {"dst", Role::inout, std::nullopt, {"vocab", "cols"}}};
    size_symbols = {"vocab", "n", "cols"};
  }

  std::vector<Shape> shapes(Regime r) const override {
    // dst stays at 16-17M elements (64 MB in f32); its full reference is kept in float64.
    switch (r) {
      case Regime::decode: return {{{"vocab", 4096}, {"n", 1}, {"cols", 4096}}, {{"vocab", 32000}, {"n", 8}, {"cols", 512}}, {{"vocab", 8192}, {"n", 64}, {"cols", 2048}}};
      case Regime::prefill: return {{{"vocab", 8192}, {"n", 4096}, {"cols", 2048}}};
      // 129 of 129: every row is overwritten.
      case Regime::odd: return {{{"vocab", 1031}, {"n", 7}, {"cols", 33}}, {{"vocab", 129}, {"n", 129}, {"cols", 3}}, {{"vocab", 4099}, {"n", 1031}, {"cols", 257}}};
    }
    return {};
  }

  void generate(const Case& c, std::vector<HostBuffer>& b) const override {
    fill_normal(b[0], c.seed, 0, magnitude_for_test(c.test_index));
    if (outlier_test(c)) add_outliers(b[0], c.seed, 0, b[0].dims().back(), 1e3, 1e4);
    const auto idx = sampling::distinct_indices(c.seed, 1, 0, dim(c, "n"), dim(c, "vocab"));
    for (std::size_t i = 0; i < idx.size(); ++i) b[1].set(i, static_cast<double>(idx[i]));
    fill_normal(b[2], c.seed, 2, 1.0);
  }

  std::vector<std::vector<double>> reference(const Case& c, const std::vector<HostBuffer>& b) const override {
    const int64_t n = dim(c, "n"), cols = dim(c, "cols");
    std::vector<double> dst(b[2].numel());
    for (std::size_t i = 0; i < dst.size(); ++i) dst[i] = b[2].get(i);
    for (int64_t i = 0; i < n; ++i) {
      const auto row = static_cast<int64_t>(b[1].get(i));
      for (int64_t j = 0; j < cols; ++j) dst[row * cols + j] = b[0].get(i * cols + j);
    }
    return reference_outputs(dst);
  }

  Traffic traffic(const Case& c) const override {
    // Only the n touched rows of dst are written; the rest is never read.
    const double src = buffer_bytes(buffer("src"), c);
    return {src + buffer_bytes(buffer("idx"), c) + src, 0.0};
  }
};

}  // namespace

std::unique_ptr<OpContract> make_scatter() { return std::make_unique<Scatter>(); }

}  // namespace foundry
