// Placeholder factories until these ops' contract files exist; each line goes
// away when its op file is added.
#include "ops/registry.hpp"
namespace foundry {
std::unique_ptr<OpContract> make_gather() { return nullptr; }
std::unique_ptr<OpContract> make_scatter() { return nullptr; }
std::unique_ptr<OpContract> make_kv_append() { return nullptr; }
std::unique_ptr<OpContract> make_topk() { return nullptr; }
std::unique_ptr<OpContract> make_moe_gating() { return nullptr; }
std::unique_ptr<OpContract> make_moe_pack() { return nullptr; }
std::unique_ptr<OpContract> make_moe_dispatch() { return nullptr; }
std::unique_ptr<OpContract> make_moe_combine() { return nullptr; }
std::unique_ptr<OpContract> make_grouped_gemm() { return nullptr; }
}  // namespace foundry
