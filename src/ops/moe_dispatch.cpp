// moe_dispatch: copy each routed slot's token row into expert-grouped order.
#include "ops/registry.hpp"
#include "ops/sampling.hpp"

namespace foundry {
namespace {

class MoeDispatch final : public OpContract {
 public:
  MoeDispatch() {
    name = "moe_dispatch";
    kernel_class = KernelClass::H;
    stage = 4;
    summary = "Gather token rows into expert-grouped order: one row per routed slot";
    math = "x_sorted[i,c] = x[sorted_slots[i] / topk, c] (integer division)";
    buffers = {{"x", Role::in, std::nullopt, {"tokens", "hidden"}},
               {"sorted_slots", Role::in, Elem::i32, {"tokens*topk"}},
               {"x_sorted", Role::out, std::nullopt, {"tokens*topk", "hidden"}}};
    size_symbols = {"tokens", "hidden", "topk"};
  }

  std::vector<Shape> shapes(Regime r) const override {
    switch (r) {
      case Regime::decode: return {{{"tokens", 1}, {"hidden", 4096}, {"topk", 2}}, {{"tokens", 16}, {"hidden", 4096}, {"topk", 8}}, {{"tokens", 64}, {"hidden", 7168}, {"topk", 8}}};
      case Regime::prefill: return {{{"tokens", 4096}, {"hidden", 4096}, {"topk", 2}}};
      case Regime::odd: return {{{"tokens", 7}, {"hidden", 1031}, {"topk", 3}}, {{"tokens", 33}, {"hidden", 3}, {"topk", 1}}, {{"tokens", 129}, {"hidden", 257}, {"topk", 7}}};
    }
    return {};
  }

  void generate(const Case& c, std::vector<HostBuffer>& b) const override {
    fill_normal(b[0], c.seed, 0, magnitude_for_test(c.test_index));
    if (outlier_test(c)) add_outliers(b[0], c.seed, 0, b[0].dims().back(), 1e3, 1e4);
    const auto slots = sampling::sample_sorted_slots(c.seed, 1, dim(c, "tokens"), dim(c, "topk"));
    for (std::size_t i = 0; i < slots.size(); ++i) b[1].set(i, slots[i]);
  }

  std::vector<std::vector<double>> reference(const Case& c, const std::vector<HostBuffer>& b) const override {
    const int64_t hidden = dim(c, "hidden"), topk = dim(c, "topk");
    std::vector<double> out(b[2].numel());
    for (std::size_t i = 0; i < b[1].numel(); ++i) {
      const int64_t token = static_cast<int64_t>(b[1].get(i)) / topk;
      for (int64_t h = 0; h < hidden; ++h) out[i * hidden + h] = b[0].get(token * hidden + h);
    }
    return reference_outputs(out);
  }

  Traffic traffic(const Case& c) const override {
    // Each token row is read once however many experts it goes to.
    const double bytes = total_bytes(c);
    return {bytes, 0.0};
  }
};

}  // namespace

std::unique_ptr<OpContract> make_moe_dispatch() { return std::make_unique<MoeDispatch>(); }

}  // namespace foundry
