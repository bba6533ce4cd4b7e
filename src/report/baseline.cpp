#include "report/baseline.hpp"

#include <exception>

namespace foundry::report {

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

bool starts_with_plain(const std::string& summary) {
  std::string head;
  for (char c : summary.substr(0, 5)) head += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return head == "plain";
}

}  // namespace

Baselines find_baselines(const std::vector<Record>& records, const std::vector<KernelTemplate>& templates) {
  Baselines named, described;
  for (const auto& t : templates) {
    if (ends_with(t.id, "_plain")) named[{t.op, t.backend}] = t.id;
    if (starts_with_plain(t.summary)) described.emplace(std::make_pair(t.op, t.backend), t.id);
  }
  for (const auto& r : records)
    if (ends_with(r.template_id, "_plain")) named[{r.op, r.backend}] = r.template_id;
  for (const auto& [key, id] : described) named.emplace(key, id);
  return named;
}

std::vector<KernelTemplate> templates_or_none(const std::filesystem::path& root) {
  try {
    return discover_templates(root);
  } catch (const std::exception&) {
    return {};
  }
}

}  // namespace foundry::report
