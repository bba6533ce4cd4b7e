// moe_combine: each token's output is the weighted sum of its experts' output rows.
#include <cmath>
#include <numeric>

#include "ops/registry.hpp"
#include "ops/sampling.hpp"

namespace foundry {
namespace {

class MoeCombine final : public OpContract {
 public:
  MoeCombine() {
    name = "moe_combine";
    kernel_class = KernelClass::H;
    stage = 4;
    summary = "Weighted sum of each token's expert outputs, read from expert-grouped order";
    math = "out[t,c] = sum_j weights[t,j] * y_sorted[slot_to_row[t*topk+j], c]";
    buffers = {{"y_sorted", Role::in, std::nullopt, {"tokens*topk", "hidden"}},
               {"slot_to_row", Role::in, Elem::i32, {"tokens*topk"}},
               {"weights", Role::in, Elem::f32, {"tokens", "topk"}},
               {"out", Role::out, std::nullopt, {"tokens", "hidden"}}};
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
    const int64_t tokens = dim(c, "tokens"), topk = dim(c, "topk");
    fill_normal(b[0], c.seed, 0, magnitude_for_test(c.test_index));
    // A weighted mean of topk rows: outliers stay in range.
    if (outlier_test(c)) add_outliers(b[0], c.seed, 0, b[0].dims().back(), 1e3, 1e4);
    // The inverse of a realistic moe_pack order.
    const auto sorted = sampling::sample_sorted_slots(c.seed, 1, tokens, topk);
    for (std::size_t i = 0; i < sorted.size(); ++i) b[1].set(static_cast<std::size_t>(sorted[i]), static_cast<double>(i));
    // Positive router weights summing to 1 per token, none negligible.
    for (int64_t t = 0; t < tokens; ++t) {
      std::vector<double> w(static_cast<std::size_t>(topk));
      for (int64_t j = 0; j < topk; ++j) w[j] = 0.25 + uniform01(c.seed, 2, static_cast<uint64_t>(t * topk + j));
      const double sum = std::accumulate(w.begin(), w.end(), 0.0);
      for (int64_t j = 0; j < topk; ++j) b[2].set(t * topk + j, w[j] / sum);
    }
  }

  std::vector<std::vector<double>> reference(const Case& c, const std::vector<HostBuffer>& b) const override {
    const int64_t tokens = dim(c, "tokens"), hidden = dim(c, "hidden"), topk = dim(c, "topk");
    std::vector<double> out(b[3].numel(), 0.0);
    for (int64_t t = 0; t < tokens; ++t)
      for (int64_t j = 0; j < topk; ++j) {
        const double w = b[2].get(t * topk + j);
        const auto row = static_cast<int64_t>(b[1].get(t * topk + j));
        for (int64_t h = 0; h < hidden; ++h) out[t * hidden + h] += w * b[0].get(row * hidden + h);
      }
    return reference_outputs(out);
  }

  Traffic traffic(const Case& c) const override {
    const double bytes = total_bytes(c);
    // One multiply-add per expert output element.
    return {bytes, 2.0 * static_cast<double>(dim(c, "tokens") * dim(c, "topk") * dim(c, "hidden"))};
  }
};

}  // namespace

std::unique_ptr<OpContract> make_moe_combine() { return std::make_unique<MoeCombine>(); }

}  // namespace foundry
