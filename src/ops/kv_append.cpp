// kv_append: write the new tokens' keys and values into their cache slots.
#include "ops/registry.hpp"
#include "ops/sampling.hpp"

namespace foundry {
namespace {

class KvAppend final : public OpContract {
 public:
  KvAppend() {
    name = "kv_append";
    kernel_class = KernelClass::I;
    stage = 3;
    summary = "Append new keys and values to a KV cache at distinct slots (width = kv_heads*head_dim)";
    math = "k_cache[slots[t],c] = k_new[t,c]; v_cache[slots[t],c] = v_new[t,c]; other slots unchanged";
    buffers = {{"k_new", Role::in, std::nullopt, {"tokens", "width"}},
               {"v_new", Role::in, std::nullopt, {"tokens", "width"}},
               {"slots", Role::in, Elem::i32, {"tokens"}},
               {"k_cache", Role::inout, std::nullopt, {"cache_slots", "width"}},
               {"v_cache", Role::inout, std::nullopt, {"cache_slots", "width"}}};
    size_symbols = {"tokens", "cache_slots", "width"};
  }

  std::vector<Shape> shapes(Regime r) const override {
    // width 1024 = 8 kv heads x 128, 512 = 4 x 128; odd widths are 3 x 11 and 3 x 43.
    switch (r) {
      case Regime::decode: return {{{"tokens", 1}, {"cache_slots", 4096}, {"width", 1024}}, {{"tokens", 8}, {"cache_slots", 8192}, {"width", 1024}}, {{"tokens", 64}, {"cache_slots", 16384}, {"width", 512}}};
      case Regime::prefill: return {{{"tokens", 4096}, {"cache_slots", 8192}, {"width", 1024}}};
      // 33 of 33: every slot is overwritten.
      case Regime::odd: return {{{"tokens", 7}, {"cache_slots", 1031}, {"width", 33}}, {{"tokens", 33}, {"cache_slots", 33}, {"width", 3}}, {{"tokens", 129}, {"cache_slots", 4099}, {"width", 129}}};
    }
    return {};
  }

  void generate(const Case& c, std::vector<HostBuffer>& b) const override {
    const double m = magnitude_for_test(c.test_index);
    fill_normal(b[0], c.seed, 0, m);
    fill_normal(b[1], c.seed, 1, m);
    if (outlier_test(c))
      for (int k : {0, 1}) add_outliers(b[k], c.seed, static_cast<uint64_t>(k), b[k].dims().back(), 1e3, 1e4);
    const auto slots = sampling::distinct_indices(c.seed, 2, 0, dim(c, "tokens"), dim(c, "cache_slots"));
    for (std::size_t t = 0; t < slots.size(); ++t) b[2].set(t, static_cast<double>(slots[t]));
    fill_normal(b[3], c.seed, 3, 1.0);
    fill_normal(b[4], c.seed, 4, 1.0);
  }

  std::vector<std::vector<double>> reference(const Case& c, const std::vector<HostBuffer>& b) const override {
    const int64_t tokens = dim(c, "tokens"), width = dim(c, "width");
    std::vector<std::vector<double>> caches;
    for (int which = 0; which < 2; ++which) {
      const HostBuffer& fresh = b[which];
      const HostBuffer& cache = b[3 + which];
      std::vector<double> out(cache.numel());
      for (std::size_t i = 0; i < out.size(); ++i) out[i] = cache.get(i);
      for (int64_t t = 0; t < tokens; ++t) {
        const auto slot = static_cast<int64_t>(b[2].get(t));
        for (int64_t j = 0; j < width; ++j) out[slot * width + j] = fresh.get(t * width + j);
      }
      caches.push_back(std::move(out));
    }
    return caches;
  }

  Traffic traffic(const Case& c) const override {
    // Only the touched cache rows are written: as many bytes as the new keys and values.
    const double fresh = buffer_bytes(buffer("k_new"), c) + buffer_bytes(buffer("v_new"), c);
    return {fresh + buffer_bytes(buffer("slots"), c) + fresh, 0.0};
  }
};

}  // namespace

std::unique_ptr<OpContract> make_kv_append() { return std::make_unique<KvAppend>(); }

}  // namespace foundry
