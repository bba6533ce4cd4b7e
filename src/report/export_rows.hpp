// `foundry export`'s rows: one JSON object per attempt, the record as written
// (every field and label) with its kernel source inline (verified against its
// SHA-256), the session it came from and its speed-up over the case's plain
// template. docs/EXPORT.md describes the row.
#pragma once
#include <optional>
#include <ostream>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "report/analysis.hpp"

namespace foundry::report {

struct ExportFilter {
  std::set<std::string> ops;       // empty: every op
  std::set<Status> statuses;       // empty: every status
  std::optional<double> min_p50;   // microseconds; a bound keeps only timed records
  std::optional<double> max_p50;
  bool keeps(const Record& r) const;
};

// The row of a.sessions.records[i]. Throws std::runtime_error naming the
// kernel file when it is missing (for a record that was compiled or checked)
// or its SHA-256 is not the record's source_sha256.
nlohmann::json export_row(const Analysis& a, std::size_t i);

// Writes the rows the filter keeps, one per line, in the merged log order;
// returns how many.
std::size_t write_export(const Analysis& a, const ExportFilter& filter, std::ostream& out);

}  // namespace foundry::report
