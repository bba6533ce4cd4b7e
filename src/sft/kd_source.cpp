#include "sft/kd_source.hpp"

#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "sft/external_kernel.hpp"

namespace foundry::sft {

namespace fs = std::filesystem;

namespace {

bool is_kd_run(const std::string& name) { return name == "run.ndjson"; }

}  // namespace

SourceResult read_kd_runs(const fs::path& root, const std::vector<KernelTemplate>& templates) {
  SourceResult out;
  for (const auto& file : find_files_under(root, "--kd-root", is_kd_run)) {
    out.inputs.push_back(file.string());
    std::ifstream in(file);
    if (!in) throw std::invalid_argument(fmt::format("{}: cannot read", file.string()));
    std::size_t line_no = 0;
    for (std::string line; std::getline(in, line);) {
      ++line_no;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      const std::string where = fmt::format("{}:{}", file.string(), line_no);
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(line);
      } catch (const nlohmann::json::parse_error& e) {
        throw std::invalid_argument(fmt::format("{}: not JSON ({})", where, e.what()));
      }
      if (!j.is_object()) throw std::invalid_argument(fmt::format("{}: expected a JSON object", where));
      check_external_schema(j, where);
      ExternalKernel k;
      parse_external_case(j, where, k);
      parse_external_candidate(j, where, k);
      const auto teacher = j.find("teacher");
      if (teacher != j.end() && !teacher->is_null() && !teacher->is_string())
        throw std::invalid_argument(fmt::format("{}: `teacher` must be a string", where));
      if (!k.admitted()) {
        ++out.skipped["not_correct"];
        continue;
      }
      nlohmann::json meta{{"file", fs::relative(file, root).string()}, {"line", line_no},
                          {"teacher", teacher == j.end() ? nlohmann::json(nullptr) : *teacher}};
      out.examples.push_back(external_example(k, "kd", templates, std::move(meta)));
    }
  }
  return out;
}

}  // namespace foundry::sft
