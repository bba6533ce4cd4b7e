// The registry of every op foundry knows, in curriculum order.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "ops/op_contract.hpp"

namespace foundry {

// One factory per op file; registry.cpp lists them all.
std::unique_ptr<OpContract> make_rmsnorm();
std::unique_ptr<OpContract> make_layernorm();
std::unique_ptr<OpContract> make_softmax();
std::unique_ptr<OpContract> make_swiglu();
std::unique_ptr<OpContract> make_geglu();
std::unique_ptr<OpContract> make_rope();
std::unique_ptr<OpContract> make_dropout();
std::unique_ptr<OpContract> make_quantize();
std::unique_ptr<OpContract> make_dequantize();
std::unique_ptr<OpContract> make_gather();
std::unique_ptr<OpContract> make_scatter();
std::unique_ptr<OpContract> make_kv_append();
std::unique_ptr<OpContract> make_topk();
std::unique_ptr<OpContract> make_moe_gating();
std::unique_ptr<OpContract> make_moe_pack();
std::unique_ptr<OpContract> make_moe_dispatch();
std::unique_ptr<OpContract> make_moe_combine();
std::unique_ptr<OpContract> make_grouped_gemm();

class Registry {
 public:
  static const Registry& instance();
  const std::vector<std::unique_ptr<OpContract>>& ops() const { return ops_; }
  // nullptr when unknown.
  const OpContract* find(const std::string& name) const;
  // Throws std::invalid_argument naming the op and listing the known ones.
  const OpContract& get(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  Registry();
  std::vector<std::unique_ptr<OpContract>> ops_;
};

}  // namespace foundry
