// The renderer (src/templates/template.*): any body renders with any knob
// values or throws std::runtime_error naming file and line; a body without
// placeholders renders to itself (line by line, each ending in a newline).
// The first two bytes choose the knobs' values, the rest is the body; it is
// rendered as given and behind a fixed front matter (the strict path).
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "templates/template.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const foundry::Knobs knobs{{"A", static_cast<int8_t>(data[0])}, {"B", int64_t{data[1]} << 40}};
  const std::string body(reinterpret_cast<const char*>(data) + 2, size - 2);

  foundry::KernelTemplate t;
  t.path = "t.cpp";
  t.body = body;
  t.knobs = {{"A", {1, 2}}, {"B", {0, 7}}};
  try {
    const std::string out = foundry::render(t, knobs);
    if (body.find("{{") == std::string::npos) {
      const std::string expected = body.empty() || body.back() == '\n' ? body : body + "\n";
      if (out != expected) __builtin_trap();  // text without placeholders must pass unchanged
    }
  } catch (const std::runtime_error&) {
  }
  foundry::render_macros(t);

  const std::string text =
      "// ---\n// id: t\n// op: rmsnorm\n// backend: cpu\n// knobs:\n//   A: [1, 2]\n//   B: [0, 7]\n// ---\n" + body;
  try {
    const foundry::KernelTemplate parsed = foundry::parse_template("templates/rmsnorm/cpu/t.cpp", text);
    foundry::render(parsed, knobs);
    foundry::render_macros(parsed);
  } catch (const std::runtime_error&) {
  }
  return 0;
}
