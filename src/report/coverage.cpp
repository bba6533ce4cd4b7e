#include "report/coverage.hpp"

#include <fmt/format.h>

namespace foundry::report {

std::map<std::string, int> CoverageRow::failures() const {
  std::map<std::string, int> f;
  for (const auto& [status, n] : by_status)
    if (status != to_string(Status::ok) && status != to_string(Status::compiled)) f[status] = n;
  return f;
}

namespace {

class Tally {
 public:
  explicit Tally(std::string dimension) : dimension_(std::move(dimension)) {}
  void add(const std::string& value, const Record& r) {
    auto [it, fresh] = index_.emplace(value, rows_.size());
    if (fresh) {
      rows_.emplace_back();
      rows_.back().value = value;
    }
    CoverageRow& row = rows_[it->second];
    ++row.attempts;
    if (r.trusted_ok()) ++row.trusted_ok;
    ++row.by_status[to_string(r.status)];
    for (const auto& l : r.labels) ++row.labels[l];
  }
  CoverageTable table(bool sort_by_value) && {
    if (sort_by_value)
      std::sort(rows_.begin(), rows_.end(), [](const CoverageRow& a, const CoverageRow& b) { return a.value < b.value; });
    return {dimension_, std::move(rows_)};
  }

 private:
  std::string dimension_;
  std::vector<CoverageRow> rows_;
  std::map<std::string, std::size_t> index_;
};

}  // namespace

std::vector<CoverageTable> coverage(const std::vector<Record>& records, const std::vector<CaseSummary>& cases) {
  Tally op("op"), kclass("kernel_class"), dtype("dtype"), regime("regime"), tmpl("template"), knob("knob"), cs("case");
  for (const Record& r : records) {
    op.add(r.op, r);
    kclass.add(r.kernel_class, r);
    dtype.add(to_string(r.dtype), r);
    regime.add(to_string(r.regime), r);
    tmpl.add(r.template_id, r);
    for (const auto& [k, v] : r.knobs) knob.add(fmt::format("{} {}={}", r.template_id, k, v), r);
  }
  bool several_devices = false;
  for (const auto& c : cases) several_devices |= c.device != cases.front().device || c.backend != cases.front().backend;
  for (const auto& c : cases)
    for (const Record* r : c.records) cs.add(c.label(several_devices), *r);
  std::vector<CoverageTable> out;
  out.push_back(std::move(op).table(true));
  out.push_back(std::move(kclass).table(true));
  out.push_back(std::move(dtype).table(true));
  out.push_back(std::move(regime).table(true));
  out.push_back(std::move(cs).table(false));
  out.push_back(std::move(tmpl).table(true));
  out.push_back(std::move(knob).table(true));
  return out;
}

nlohmann::json to_json(const CoverageRow& row) {
  return {{"value", row.value},         {"attempts", row.attempts}, {"trusted_ok", row.trusted_ok},
          {"failures", row.failures()}, {"by_status", row.by_status}, {"labels", row.labels}};
}

nlohmann::json to_json(const CoverageTable& table) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : table.rows) rows.push_back(to_json(r));
  return {{"dimension", table.dimension}, {"rows", rows}};
}

}  // namespace foundry::report
