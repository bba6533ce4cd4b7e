// gather: out[i,:] = table[idx[i],:], an embedding lookup.
#include <algorithm>

#include "ops/registry.hpp"

namespace foundry {
namespace {

class Gather final : public OpContract {
 public:
  Gather() {
    name = "gather";
    kernel_class = KernelClass::G;
    stage = 2;
    summary = "Row gather from a table by index (embedding lookup); indices may repeat";
    math = "out[i,c] = table[idx[i],c]";
    buffers = {{"table", Role::in, std::nullopt, {"vocab", "cols"}},
               {"idx", Role::in, Elem::i32, {"n"}},
               {"out", Role::out, std::nullopt, {"n", "cols"}}};
    size_symbols = {"vocab", "n", "cols"};
  }

  std::vector<Shape> shapes(Regime r) const override {
    // Tables stay at 16-17M elements (64 MB in f32) so a CPU generates them quickly.
    switch (r) {
      case Regime::decode: return {{{"vocab", 4096}, {"n", 1}, {"cols", 4096}}, {{"vocab", 32000}, {"n", 8}, {"cols", 512}}, {{"vocab", 8192}, {"n", 64}, {"cols", 2048}}};
      case Regime::prefill: return {{{"vocab", 8192}, {"n", 8192}, {"cols", 2048}}};
      case Regime::odd: return {{{"vocab", 1031}, {"n", 7}, {"cols", 33}}, {{"vocab", 33}, {"n", 129}, {"cols", 3}}, {{"vocab", 4099}, {"n", 1031}, {"cols", 257}}};
    }
    return {};
  }

  void generate(const Case& c, std::vector<HostBuffer>& b) const override {
    fill_normal(b[0], c.seed, 0, magnitude_for_test(c.test_index));
    if (outlier_test(c)) add_outliers(b[0], c.seed, 0, b[0].dims().back(), 1e3, 1e4);
    const auto idx = indices(c);
    for (std::size_t i = 0; i < idx.size(); ++i) b[1].set(i, static_cast<double>(idx[i]));
  }

  std::vector<std::vector<double>> reference(const Case& c, const std::vector<HostBuffer>& b) const override {
    const int64_t n = dim(c, "n"), cols = dim(c, "cols");
    std::vector<double> out(static_cast<std::size_t>(n * cols));
    for (int64_t i = 0; i < n; ++i) {
      const auto row = static_cast<int64_t>(b[1].get(i));
      for (int64_t j = 0; j < cols; ++j) out[i * cols + j] = b[0].get(row * cols + j);
    }
    return reference_outputs(out);
  }

  Traffic traffic(const Case& c) const override {
    // A repeated index needs its table row read only once.
    auto idx = indices(c);
    std::sort(idx.begin(), idx.end());
    const auto distinct = std::unique(idx.begin(), idx.end()) - idx.begin();
    const double row_bytes = static_cast<double>(dim(c, "cols") * elem_size(elem_of(c.dtype)));
    return {static_cast<double>(distinct) * row_bytes + buffer_bytes(buffer("idx"), c) + buffer_bytes(buffer("out"), c), 0.0};
  }

 private:
  // Uniform over the table, repeats allowed; the same draws in generate and traffic.
  std::vector<int64_t> indices(const Case& c) const {
    const int64_t vocab = dim(c, "vocab");
    std::vector<int64_t> idx(static_cast<std::size_t>(dim(c, "n")));
    for (std::size_t i = 0; i < idx.size(); ++i) {
      // u * vocab can round up to vocab when u is just below 1.
      const auto row = static_cast<int64_t>(uniform01(c.seed, 1, i) * static_cast<double>(vocab));
      idx[i] = std::min(row, vocab - 1);
    }
    return idx;
  }
};

}  // namespace

std::unique_ptr<OpContract> make_gather() { return std::make_unique<Gather>(); }

}  // namespace foundry
