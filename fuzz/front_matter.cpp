// Template front matter (src/templates/template.*): any file text parses into
// a template or throws std::runtime_error naming the file; a parsed template's
// space, constraints, launch and flags evaluate or throw the same way.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "core/expr.hpp"
#include "templates/template.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  foundry::KernelTemplate t;
  try {
    t = foundry::parse_template("templates/rmsnorm/cpu/t.cpp", text);  // the seeds' id is t
  } catch (const std::runtime_error&) {
    return 0;
  }
  t.space_size();
  foundry::Knobs knobs;
  for (const auto& k : t.knobs) knobs[k.name] = k.domain.back();
  const foundry::Shape shape{{"rows", 7}, {"cols", 4096}, {"tokens", 33}};
  try {
    foundry::violated_constraint(t, shape, knobs);
  } catch (const std::runtime_error&) {
  }
  for (const auto& [key, expr] : t.launch) {
    try {
      foundry::eval_int(expr, foundry::expression_symbols(shape, knobs));
    } catch (const std::runtime_error&) {
    }
  }
  foundry::template_flags(t, knobs);
  return 0;
}
