// Placeholder factories until these ops' contract files exist; each line goes
// away when its op file is added.
#include "ops/registry.hpp"
namespace foundry {
std::unique_ptr<OpContract> make_layernorm() { return nullptr; }
std::unique_ptr<OpContract> make_softmax() { return nullptr; }
std::unique_ptr<OpContract> make_swiglu() { return nullptr; }
std::unique_ptr<OpContract> make_geglu() { return nullptr; }
std::unique_ptr<OpContract> make_rope() { return nullptr; }
std::unique_ptr<OpContract> make_dropout() { return nullptr; }
std::unique_ptr<OpContract> make_quantize() { return nullptr; }
std::unique_ptr<OpContract> make_dequantize() { return nullptr; }
}  // namespace foundry
