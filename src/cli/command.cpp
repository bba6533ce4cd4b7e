#include "cli/command.hpp"

#include <cmath>

#include <fmt/format.h>

#include "templates/template.hpp"

namespace foundry::cli {

const std::vector<Command>& command_table() {
  static const std::vector<Command> table{list_command(),      run_command(),       render_command(),
                                          simulate_command(),  export_kt_command(), report_command(),
                                          export_command(),    export_sft_command(), worker_command(),
                                          nvrtc_worker_command()};
  return table;
}

std::string& invocation() {
  static std::string line;
  return line;
}

std::map<std::string, double> name_value_pairs(const std::vector<std::string>& args, const char* flag) {
  std::map<std::string, double> m;
  for (const auto& a : args) {
    const auto eq = a.find('=');
    std::size_t used = 0;
    double v = 0;
    try {
      if (eq != std::string::npos) v = std::stod(a.substr(eq + 1), &used);
    } catch (const std::exception&) {
    }
    if (eq == std::string::npos || used == 0 || used != a.size() - eq - 1)
      throw std::invalid_argument(fmt::format("{} {}: expected NAME=NUMBER", flag, a));
    m[a.substr(0, eq)] = v;
  }
  return m;
}

const CLI::Validator& unsigned_integer() {
  static const CLI::Validator v(
      [](std::string& s) {
        return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos && s.size() <= 20
                   ? std::string()
                   : "expected an integer from 0 to 18446744073709551615, got " + s;
      },
      "UINT64");
  return v;
}

CLI::Validator non_negative_number(bool positive) {
  return CLI::Validator(
      [positive](std::string& s) {
        double v = 0;
        std::size_t used = 0;
        try {
          v = std::stod(s, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used == 0 || used != s.size() || !std::isfinite(v)) return "expected a number, got " + s;
        if (positive ? v <= 0 : v < 0) return std::string(positive ? "must be above 0, got " : "must be at least 0, got ") + s;
        return std::string();
      },
      positive ? "POSITIVE" : "NONNEGATIVE");
}

void add_template_option(CLI::App& sub, std::filesystem::path& root) {
  root = default_template_root();
  sub.add_option("--templates", root, "template root (templates/<op>/<backend>/<id>.<ext>)")->envname("FOUNDRY_TEMPLATES");
}

}  // namespace foundry::cli
