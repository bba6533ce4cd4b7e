#include "report/export_rows.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "core/hash.hpp"
#include "run/session.hpp"

namespace foundry::report {

bool ExportFilter::keeps(const Record& r) const {
  if (!ops.empty() && !ops.count(r.op)) return false;
  if (!statuses.empty() && !statuses.count(r.status)) return false;
  if (min_p50 || max_p50) {
    if (!r.bench.latency_us) return false;
    const double p50 = r.bench.latency_us->p50;
    if ((min_p50 && p50 < *min_p50) || (max_p50 && p50 > *max_p50)) return false;
  }
  return true;
}

namespace {

// The kernel as the session holds it; null where a record has none (a
// candidate that failed before it was rendered and written).
nlohmann::json source_of(const Record& r, const std::filesystem::path& session) {
  if (r.source_path.empty()) return nullptr;
  const auto path = path_in_session(session, r.source_path);  // never a file outside the session
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (r.status == Status::harness_error) return nullptr;
    throw std::runtime_error(fmt::format("{}: missing (the kernel of record {})", path.string(), r.id));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  if (sha256_hex(text) != r.source_sha256)
    throw std::runtime_error(fmt::format("{}: its SHA-256 is not the source_sha256 {} of record {}", path.string(),
                                         r.source_sha256, r.id));
  return text;
}

}  // namespace

nlohmann::json export_row(const Analysis& a, std::size_t i) {
  const Record& r = a.sessions.records[i];
  nlohmann::json row = to_json(r);
  row["session"] = a.sessions.dir_of(i).string();
  row["source"] = source_of(r, a.sessions.dir_of(i));
  row["trusted_ok"] = r.trusted_ok();
  const CaseSummary* c = a.case_of(r);
  const bool has_plain = c && !c->plain_template.empty();
  row["plain_template"] = has_plain ? nlohmann::json(c->plain_template) : nlohmann::json();
  row["plain_latency_us"] = c && c->plain_best ? nlohmann::json(c->plain_best->bench.latency_us->p50) : nlohmann::json();
  const auto speedup = c ? c->speedup_of(r) : std::nullopt;
  row["speedup_vs_plain"] = speedup ? nlohmann::json(*speedup) : nlohmann::json();
  row["case_best"] = c && c->best == &r;
  return row;
}

std::size_t write_export(const Analysis& a, const ExportFilter& filter, std::ostream& out) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < a.sessions.records.size(); ++i) {
    if (!filter.keeps(a.sessions.records[i])) continue;
    out << export_row(a, i).dump() << "\n";
    ++n;
  }
  return n;
}

}  // namespace foundry::report
