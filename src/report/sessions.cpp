#include "report/sessions.hpp"

#include <fstream>
#include <set>
#include <stdexcept>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "run/session.hpp"

namespace foundry::report {

namespace fs = std::filesystem;

namespace {

// A session directory: session.json naming this record schema, and the log.
void require_session(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw std::invalid_argument(fmt::format("session {}: no such directory", dir.string()));
  const fs::path meta = dir / "session.json";
  std::ifstream in(meta);
  if (!in) throw std::invalid_argument(fmt::format("session {}: not a foundry session (no readable session.json)", dir.string()));
  const auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("record_schema") || !j["record_schema"].is_number_integer())
    throw std::invalid_argument(
        fmt::format("session {}: not a foundry session ({} names no record_schema)", dir.string(), meta.string()));
  const int schema = j["record_schema"].get<int>();
  if (schema != kRecordSchema)
    throw std::invalid_argument(fmt::format("session {}: record schema {}, this foundry reads schema {}", dir.string(),
                                            schema, kRecordSchema));
  if (!fs::is_regular_file(dir / "attempts.ndjson", ec))
    throw std::invalid_argument(fmt::format("session {}: not a foundry session (no attempts.ndjson)", dir.string()));
}

}  // namespace

SessionSet load_sessions(const std::vector<fs::path>& dirs) {
  SessionSet s;
  std::set<std::string> seen_dirs, ids;
  for (const auto& dir : dirs) {
    require_session(dir);
    std::error_code ec;
    const std::string canon = fs::weakly_canonical(dir, ec).string();
    if (!seen_dirs.insert(ec ? dir.string() : canon).second)
      throw std::invalid_argument(fmt::format("session {}: given twice", dir.string()));
    std::vector<Record> records;
    try {
      records = read_session_records(dir);
    } catch (const std::runtime_error& e) {
      throw std::invalid_argument(e.what());
    }
    s.dirs.push_back(dir);
    for (auto& r : records) {
      if (!ids.insert(r.id).second) {
        ++s.duplicates;
        continue;
      }
      s.records.push_back(std::move(r));
      s.origin.push_back(s.dirs.size() - 1);
    }
  }
  return s;
}

}  // namespace foundry::report
