// Coverage of a set of records along each dimension a dataset is cut by: op,
// kernel class, dtype, regime, case, template and knob value. Per value: the
// attempts, the trusted correct ones (Record::trusted_ok) and every status
// and label counted.
#pragma once
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/cases.hpp"
#include "run/record.hpp"

namespace foundry::report {

struct CoverageRow {
  std::string value;
  int attempts = 0;
  int trusted_ok = 0;
  std::map<std::string, int> by_status;  // every status seen, ok included
  std::map<std::string, int> labels;     // suspect, sanitizer, ... among the row's records

  // Attempts whose status is neither ok nor compiled (compile-only runs), by status.
  std::map<std::string, int> failures() const;
};

struct CoverageTable {
  std::string dimension;  // "op", "kernel_class", "dtype", "regime", "case", "template", "knob"
  std::vector<CoverageRow> rows;  // in value order (cases: first appearance)
};

// One table per dimension, in the order listed above. Knob rows are
// "<template> <KNOB>=<value>": knob names mean different things in different templates.
std::vector<CoverageTable> coverage(const std::vector<Record>& records, const std::vector<CaseSummary>& cases);

nlohmann::json to_json(const CoverageRow& row);
nlohmann::json to_json(const CoverageTable& table);

}  // namespace foundry::report
