// moe_pack: group the routed slots by expert (a stable counting sort), the
// layout grouped GEMM needs.
#include "ops/registry.hpp"
#include "ops/sampling.hpp"

namespace foundry {
namespace {

class MoePack final : public OpContract {
 public:
  MoePack() {
    name = "moe_pack";
    kernel_class = KernelClass::H;
    stage = 4;
    summary = "Counting sort of routed slots s = t*topk + j by expert: group offsets and the slots in group order";
    math = "expert_offsets[e] = #{s : expert_ids[s] < e} (so expert_offsets[experts] = tokens*topk); "
           "sorted_slots[expert_offsets[e] ..] = the slots s with expert_ids[s] = e, increasing";
    buffers = {{"expert_ids", Role::in, Elem::i32, {"tokens", "topk"}},
               {"expert_offsets", Role::out, Elem::i32, {"experts+1"}},
               {"sorted_slots", Role::out, Elem::i32, {"tokens*topk"}}};
    size_symbols = {"tokens", "experts", "topk"};
  }

  std::vector<Shape> shapes(Regime r) const override {
    switch (r) {
      case Regime::decode: return {{{"tokens", 1}, {"experts", 8}, {"topk", 2}}, {{"tokens", 16}, {"experts", 64}, {"topk", 6}}, {{"tokens", 64}, {"experts", 128}, {"topk", 8}}};
      case Regime::prefill: return {{{"tokens", 4096}, {"experts", 8}, {"topk", 2}}, {{"tokens", 4096}, {"experts", 128}, {"topk", 8}}};
      case Regime::odd: return {{{"tokens", 7}, {"experts", 33}, {"topk", 3}}, {{"tokens", 129}, {"experts", 7}, {"topk", 7}}, {{"tokens", 1031}, {"experts", 3}, {"topk", 1}}};
    }
    return {};
  }

  void generate(const Case& c, std::vector<HostBuffer>& b) const override {
    const auto ids = sampling::sample_routes(c.seed, 0, dim(c, "tokens"), dim(c, "experts"), dim(c, "topk"));
    for (std::size_t s = 0; s < ids.size(); ++s) b[0].set(s, ids[s]);
  }

  std::vector<std::vector<double>> reference(const Case& c, const std::vector<HostBuffer>& b) const override {
    std::vector<int32_t> ids(b[0].numel());
    for (std::size_t s = 0; s < ids.size(); ++s) ids[s] = static_cast<int32_t>(b[0].get(s));
    const auto packed = sampling::pack_routes(ids, dim(c, "experts"));
    return {std::vector<double>(packed.offsets.begin(), packed.offsets.end()),
            std::vector<double>(packed.sorted_slots.begin(), packed.sorted_slots.end())};
  }

  Traffic traffic(const Case& c) const override {
    const double bytes = total_bytes(c);
    return {bytes, 0.0};
  }
};

}  // namespace

std::unique_ptr<OpContract> make_moe_pack() { return std::make_unique<MoePack>(); }

}  // namespace foundry
