#include "ops/registry.hpp"

#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace foundry {

Registry::Registry() {
  for (auto make : {make_rmsnorm, make_layernorm, make_softmax, make_swiglu, make_geglu, make_rope,
                    make_dropout, make_quantize, make_dequantize, make_gather, make_scatter,
                    make_kv_append, make_topk, make_moe_gating, make_moe_pack, make_moe_dispatch,
                    make_moe_combine, make_grouped_gemm})
    ops_.push_back(make());
}

const Registry& Registry::instance() {
  static const Registry r;
  return r;
}

const OpContract* Registry::find(const std::string& name) const {
  for (const auto& op : ops_)
    if (op->name == name) return op.get();
  return nullptr;
}

const OpContract& Registry::get(const std::string& name) const {
  if (const auto* op = find(name)) return *op;
  throw std::invalid_argument(fmt::format("unknown op '{}' (known: {})", name, fmt::join(names(), ", ")));
}

std::vector<std::string> Registry::names() const {
  std::vector<std::string> n;
  for (const auto& op : ops_) n.push_back(op->name);
  return n;
}

}  // namespace foundry
