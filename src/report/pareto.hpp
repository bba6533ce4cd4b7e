// Pareto fronts of latency against error, one per case (op, dtype, shape and
// params on one device): never across ops or shapes, whose latencies are not
// comparable. A point is a trusted, timed variant; it is on the front when no
// other point is at least as fast and at least as accurate, and better in one.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/cases.hpp"

namespace foundry::report {

struct ParetoPoint {
  const Record* record = nullptr;
  double latency_us = 0;  // p50
  double error = 0;       // the case's error measure
  bool on_front = false;
};

struct ParetoFront {
  const CaseSummary* c = nullptr;
  // "max_ulp" where every point has one (floating outputs), else "max_rel_err".
  std::string error_measure;
  std::vector<ParetoPoint> points;  // by latency, then error; the front's points among them
  std::size_t front_size() const;
};

// One front per case that has at least one trusted, timed variant with an
// error measure, in the order of `cases`.
std::vector<ParetoFront> pareto_fronts(const std::vector<CaseSummary>& cases);

// The point with its resources alongside (registers, shared memory, spills
// where the backend records them; the launch).
nlohmann::json to_json(const ParetoPoint& p);
nlohmann::json to_json(const ParetoFront& f);

}  // namespace foundry::report
