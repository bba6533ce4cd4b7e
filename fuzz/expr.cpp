// Expressions (src/core/expr.*), as templates' constraints and launch
// geometry use them: any text evaluates or throws std::runtime_error naming
// it, at any symbol values; nothing else escapes and nothing is undefined.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "core/expr.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string expr(reinterpret_cast<const char*>(data), size);
  static const foundry::Symbols symbols{{"rows", 7}, {"cols", 4096}, {"THREADS", 256}, {"VEC", 8}};
  try {
    foundry::eval_expr(expr, symbols);
  } catch (const std::runtime_error&) {
  }
  try {
    foundry::eval_int(expr, symbols);
  } catch (const std::runtime_error&) {
  }
  try {
    // A constraint compiled once and evaluated over a space, at ordinary and extreme values.
    const foundry::CompiledExpr compiled(expr, {"rows", "cols", "THREADS"});
    compiled.eval({7, 4096, 256});
    compiled.eval({0, -1, 9.2e18});
    compiled.eval({1e300, -1e300, 0.5});
  } catch (const std::runtime_error&) {
  }
  return 0;
}
