// moe_gating: softmax over the router logits, then each token's top-k experts
// and their weights.
#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "ops/registry.hpp"
#include "ops/sampling.hpp"
#include "ops/selection.hpp"

namespace foundry {
namespace {

class MoeGating final : public OpContract {
 public:
  MoeGating() {
    name = "moe_gating";
    kernel_class = KernelClass::H;
    stage = 4;
    summary = "MoE router: softmax over experts, top-k experts per token by probability, with their weights";
    math = "p[t,:] = softmax(logits[t,:]); expert_ids[t,:] = the topk experts of largest p, descending; "
           "weights[t,j] = p[t,expert_ids[t,j]], divided by sum_j of those when renormalize = 1";
    buffers = {{"logits", Role::in, std::nullopt, {"tokens", "experts"}},
               {"weights", Role::out, Elem::f32, {"tokens", "topk"}},
               {"expert_ids", Role::out, Elem::i32, {"tokens", "topk"}}};
    size_symbols = {"tokens", "experts", "topk"};
    params = {{"renormalize", ParamType::i64, {0, 1}}};
  }

  std::vector<Shape> shapes(Regime r) const override {
    // 8/2 Mixtral-like, 64/6 DeepSeek-like, 128/8 Qwen-MoE-like routers.
    switch (r) {
      case Regime::decode: return {{{"tokens", 1}, {"experts", 8}, {"topk", 2}}, {{"tokens", 16}, {"experts", 64}, {"topk", 6}}, {{"tokens", 64}, {"experts", 128}, {"topk", 8}}};
      case Regime::prefill: return {{{"tokens", 4096}, {"experts", 8}, {"topk", 2}}, {{"tokens", 4096}, {"experts", 128}, {"topk", 8}}};
      case Regime::odd: return {{{"tokens", 7}, {"experts", 33}, {"topk", 3}}, {{"tokens", 129}, {"experts", 7}, {"topk", 7}}, {{"tokens", 1031}, {"experts", 3}, {"topk", 1}}};
    }
    return {};
  }

  void generate(const Case& c, std::vector<HostBuffer>& b) const override {
    // Distinct, evenly spaced logits within about +-4 * magnitude per row: no
    // ties in any dtype, and at magnitude 64 exp() overflows f32 unless the
    // kernel subtracts the row max.
    const int64_t tokens = dim(c, "tokens"), experts = dim(c, "experts");
    const double step = sampling::rank_step(experts, magnitude_for_test(c.test_index));
    for (int64_t t = 0; t < tokens; ++t) sampling::fill_distinct_row(b[0], t, experts, -experts / 2, step, c.seed, 0);
    // An outlier logit takes all of the softmax: the other weights underflow.
    if (outlier_test(c)) sampling::add_rank_outliers(b[0], tokens, experts, c.seed, 1);
  }

  std::vector<std::vector<double>> reference(const Case& c, const std::vector<HostBuffer>& b) const override {
    const int64_t tokens = dim(c, "tokens"), topk = dim(c, "topk");
    std::vector<double> weights(static_cast<std::size_t>(tokens * topk)), ids(weights.size());
    for (int64_t t = 0; t < tokens; ++t) {
      const auto w = expert_weights(c, b[0], t);
      const auto chosen = top_experts(w, topk);
      for (int64_t j = 0; j < topk; ++j) {
        weights[t * topk + j] = w[chosen[j]];
        ids[t * topk + j] = static_cast<double>(chosen[j]);
      }
    }
    return reference_outputs(weights, ids);
  }

  bool elementwise_check() const override { return false; }

  CheckResult compare(const Case& c, const BufferView& b,
                      const std::vector<std::vector<double>>& ref) const override {
    // Weights against the reference; each expert id only for carrying the
    // weight it is listed with, since experts of equal probability may come in
    // either order.
    const int64_t topk = dim(c, "topk");
    const Tolerance tol = tolerance(c.dtype, buffers[1]);
    CheckResult r;
    compare_elementwise(b[1], ref.at(0), tol, r);
    int64_t row_of_w = -1;
    std::vector<double> w;
    selection::check_indices(b[2], dim(c, "tokens"), topk, dim(c, "experts"), [&](int64_t row, int64_t j, int64_t expert) -> std::string {
      if (row != row_of_w) w = expert_weights(c, b[0], row_of_w = row);
      const double listed = b[1].get(row * topk + j);
      if (std::fabs(listed - w[expert]) <= tol.atol + tol.rtol * w[expert]) return "";
      return fmt::format("expert {} of token {} has weight {} but weights[{}] = {}", expert, row, w[expert], row * topk + j, listed);
    }, r);
    return r;
  }

  Traffic traffic(const Case& c) const override {
    const double bytes = total_bytes(c);
    // Per logit: max, subtract, exp, sum, and one comparison for the selection.
    return {bytes, 5.0 * static_cast<double>(dim(c, "tokens") * dim(c, "experts"))};
  }

 private:
  // The weight every expert of token t would get if chosen: its softmax
  // probability, over the chosen experts' total when renormalising.
  std::vector<double> expert_weights(const Case& c, const HostBuffer& logits, int64_t t) const {
    const int64_t experts = dim(c, "experts");
    std::vector<double> p(static_cast<std::size_t>(experts));
    double mx = -INFINITY;
    for (int64_t e = 0; e < experts; ++e) mx = std::max(mx, p[e] = logits.get(t * experts + e));
    for (auto& v : p) v = std::exp(v - mx);
    const double sum = std::accumulate(p.begin(), p.end(), 0.0);
    for (auto& v : p) v /= sum;
    if (param(c, "renormalize") != 0) {
      double chosen = 0;
      for (int64_t e : top_experts(p, dim(c, "topk"))) chosen += p[e];
      for (auto& v : p) v /= chosen;
    }
    return p;
  }

  // Ties go to the lower expert id; compare() accepts any order among ties.
  static std::vector<int64_t> top_experts(const std::vector<double>& w, int64_t topk) {
    std::vector<int64_t> order(w.size());
    std::iota(order.begin(), order.end(), int64_t{0});
    std::partial_sort(order.begin(), order.begin() + topk, order.end(),
                      [&](int64_t a, int64_t z) { return w[a] > w[z] || (w[a] == w[z] && a < z); });
    order.resize(static_cast<std::size_t>(topk));
    return order;
  }
};

}  // namespace

std::unique_ptr<OpContract> make_moe_gating() { return std::make_unique<MoeGating>(); }

}  // namespace foundry
