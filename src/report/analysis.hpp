// Everything a report says about a set of sessions, computed once: the merged
// records, their cases with best and plain variants, coverage, Pareto fronts
// and rooflines. The report's files, the run's closing summary and the export
// all read it.
#pragma once
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/baseline.hpp"
#include "report/cases.hpp"
#include "report/coverage.hpp"
#include "report/pareto.hpp"
#include "report/roofline.hpp"
#include "report/sessions.hpp"

namespace foundry::report {

struct Analysis {
  SessionSet sessions;
  Baselines baselines;
  std::vector<CaseSummary> cases;      // point into sessions.records
  std::vector<CoverageTable> coverage;
  std::vector<ParetoFront> fronts;     // point into cases
  std::vector<Roofline> rooflines;
  std::map<const Record*, std::size_t> case_index;  // record -> its case in `cases`

  Analysis() = default;
  Analysis(const Analysis&) = delete;
  Analysis& operator=(const Analysis&) = delete;

  // The case a record belongs to (null when it is not one of these records).
  const CaseSummary* case_of(const Record& r) const;
};

struct AnalysisOptions {
  std::filesystem::path templates;         // for the plain templates of backends that name none `_plain`
  std::optional<double> peak_gflops;       // the rooflines' compute peak (default: the highest observed)
};

// Throws std::invalid_argument naming a session that cannot be read (sessions.hpp).
std::unique_ptr<Analysis> analyse(const std::vector<std::filesystem::path>& sessions, const AnalysisOptions& options);

// The case's best variant: template, knobs, p50, GB/s, % of copy, the plain
// template's p50 and the speed-up over it (null where there is none, with why).
nlohmann::json best_json(const CaseSummary& c);

}  // namespace foundry::report
