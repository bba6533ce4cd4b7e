// `foundry list`: every op with its class, curriculum stage and templates per
// backend; `--backends`: which backends can compile and run here, and why not.
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "backends/backend_table.hpp"
#include "cli/command.hpp"
#include "ops/registry.hpp"
#include "templates/template.hpp"

namespace foundry::cli {

namespace {

using nlohmann::json;

int list_backends(bool as_json) {
  json arr = json::array();
  for (const auto& row : backend_table()) {
    BackendAvailability a = row.availability();
    if (a.run && a.device.empty()) a.device = row.summary;
    if (as_json) {
      arr.push_back({{"name", row.name}, {"compile", a.compile}, {"usable", a.run}, {"device", a.device},
                     {"why_not", a.run ? json() : json(a.why)}});
      continue;
    }
    const char* state = a.run ? "usable" : a.compile ? "compile-only" : "unavailable";
    std::cout << fmt::format("{:<5} {:<13} {}\n", row.name, state, a.run ? a.device : a.why);
  }
  if (as_json) std::cout << arr.dump(2) << "\n";
  return 0;
}

int list_ops(bool as_json, const std::filesystem::path& root) {
  const auto templates = discover_templates(root);
  const std::vector<std::string> backends = backend_names();
  json arr = json::array();
  for (const auto& op : Registry::instance().ops()) {
    json t = json::object();
    for (const auto& b : backends) {
      t[b] = json::array();
      for (const auto& tp : templates)
        if (tp.op == op->name && tp.backend == b) t[b].push_back(tp.id);
    }
    arr.push_back({{"name", op->name}, {"kernel_class", to_string(op->kernel_class)},
                   {"class_name", class_description(op->kernel_class)}, {"stage", op->stage},
                   {"summary", op->summary}, {"templates", t}});
  }
  if (as_json) {
    std::cout << arr.dump(2) << "\n";
    return 0;
  }
  std::cout << fmt::format("{:<14} {:<18} {:<6} {}\n", "op", "class", "stage", "templates");
  for (const auto& o : arr) {
    std::vector<std::string> parts;
    for (const auto& b : backends) {
      const auto& ids = o["templates"][b];
      parts.push_back(ids.empty() ? fmt::format("{}: none yet", b)
                                  : fmt::format("{}: {}", b, fmt::join(ids.get<std::vector<std::string>>(), ", ")));
    }
    std::cout << fmt::format("{:<14} {:<18} {:<6} {}\n", o["name"].get<std::string>(),
                             fmt::format("{} ({})", o["kernel_class"].get<std::string>(), o["class_name"].get<std::string>()),
                             o["stage"].get<int>(), fmt::join(parts, "; "));
  }
  std::cout << fmt::format("{} ops registered\n", arr.size());
  return 0;
}

struct ListOptions {
  bool json = false;
  bool backends = false;
  std::filesystem::path templates;
};

}  // namespace

Command list_command() {
  return {"list", "list every op with its class, curriculum stage and templates per backend", [](CLI::App& sub) -> Handler {
            auto o = std::make_shared<ListOptions>();
            sub.add_flag("--json", o->json, "print a JSON array");
            sub.add_flag("--backends", o->backends, "which backends can compile and run here, and why not");
            add_template_option(sub, o->templates);
            return [o] { return o->backends ? list_backends(o->json) : list_ops(o->json, o->templates); };
          }};
}

}  // namespace foundry::cli
