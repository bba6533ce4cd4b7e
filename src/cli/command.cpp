#include "cli/command.hpp"

#include "templates/template.hpp"

namespace foundry::cli {

const std::vector<Command>& command_table() {
  static const std::vector<Command> table{list_command(), run_command(), render_command(), simulate_command(), export_kt_command(), worker_command()};
  return table;
}

std::string& invocation() {
  static std::string line;
  return line;
}

void add_template_option(CLI::App& sub, std::filesystem::path& root) {
  root = default_template_root();
  sub.add_option("--templates", root, "template root (templates/<op>/<backend>/<id>.<ext>)")->envname("FOUNDRY_TEMPLATES");
}

}  // namespace foundry::cli
