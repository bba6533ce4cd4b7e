// `foundry render`: a template's translation unit exactly as the backend
// compiles it (every record's repro.render line is one of these). With
// --macros every {{KNOB}} stays a bare identifier, so another tuner can supply
// the knobs as preprocessor definitions (-DKNOB=value).
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "backends/backend_table.hpp"
#include "cli/command.hpp"
#include "ops/registry.hpp"
#include "templates/template.hpp"

namespace foundry::cli {

namespace {

struct RenderOptions {
  std::filesystem::path templates;
  std::string backend = kDefaultBackend;
  std::string id;
  std::string dtype = "f32";
  std::vector<std::string> knobs;
  bool macros = false;
  std::string arch;
};

Knobs parse_knobs(const KernelTemplate& t, const std::vector<std::string>& args) {
  Knobs knobs;
  for (const auto& k : t.knobs) knobs[k.name] = k.domain.front();
  for (const auto& a : args) {
    const auto eq = a.find('=');
    const std::string name = a.substr(0, eq);
    if (eq == std::string::npos || !t.knob(name))
      throw std::invalid_argument(fmt::format("--knob {}: expected NAME=VALUE with a knob of {}", a, t.id));
    std::size_t used = 0;
    int64_t v = 0;
    try {
      v = std::stoll(a.substr(eq + 1), &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != a.size() - eq - 1)
      throw std::invalid_argument(fmt::format("--knob {}: the value of {} must be an integer", a, name));
    knobs[name] = v;
  }
  return knobs;
}

int render_main(const RenderOptions& o) {
  const auto templates = discover_templates(o.templates);
  const KernelTemplate* t = nullptr;
  for (const auto& tp : templates)
    if (tp.id == o.id && tp.backend == o.backend) t = &tp;
  if (!t)
    throw std::invalid_argument(
        fmt::format("--template {}: no {} template with that id under {}", o.id, o.backend, o.templates.string()));
  const OpContract& op = Registry::instance().get(t->op);
  const auto dtype = parse_dtype(o.dtype);
  if (!dtype) throw std::invalid_argument(fmt::format("--dtype {}: expected f32, f16 or bf16", o.dtype));
  const std::string body = o.macros ? render_macros(*t) : render(*t, parse_knobs(*t, o.knobs));
  const BackendRow& row = backend_row(o.backend);
  BackendOptions opts;
  if (!row.render_arch.empty()) opts.arch = o.arch.empty() ? row.render_arch : o.arch;  // the others ignore --arch
  std::cout << row.make_backend(opts)->assemble(op, *dtype, body);
  return 0;
}

}  // namespace

Command render_command() {
  return {"render", "print a template's translation unit as the backend compiles it", [](CLI::App& sub) -> Handler {
            auto o = std::make_shared<RenderOptions>();
            add_template_option(sub, o->templates);
            sub.add_option("--backend", o->backend, "backend")->check(CLI::IsMember(backend_names()));
            sub.add_option("--template", o->id, "template id")->required();
            sub.add_option("--dtype", o->dtype, "f32, f16 or bf16");
            sub.add_option("--knob", o->knobs, "NAME=VALUE (default: each knob's first value)");
            sub.add_flag("--macros", o->macros, "leave knobs as bare identifiers for -DKNOB=value");
            sub.add_option("--arch", o->arch, "cuda: architecture named in the source header");
            return [o] { return render_main(*o); };
          }};
}

}  // namespace foundry::cli
