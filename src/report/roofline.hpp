// A roofline per backend and device: what the best variant of every case
// achieved (GB/s from the op's traffic model, GFLOP/s from its FLOP model)
// against the device's measured copy bandwidth and a compute peak.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/cases.hpp"

namespace foundry::report {

struct RooflinePoint {
  const CaseSummary* c = nullptr;
  const Record* best = nullptr;
  double bytes = 0, gbps = 0, pct_of_copy = 0;
  std::optional<double> gflops, intensity;  // where the op does floating-point work (flops > 0)
};

struct Roofline {
  std::string backend, device;
  double copy_gbps = 0;    // measured (env.copy_gbps); 0 when none was
  double peak_gflops = 0;  // given, or the highest GFLOP/s any trusted variant reached
  bool peak_given = false;
  std::vector<RooflinePoint> points;  // one per case with a best variant, in case order
};

// One roofline per (backend, device) among the cases that have a best variant.
// `peak_gflops`: the compute peak to draw (e.g. from the vendor's sheet); without
// it the ceiling is the highest GFLOP/s observed, and says so.
std::vector<Roofline> rooflines(const std::vector<CaseSummary>& cases, std::optional<double> peak_gflops);

nlohmann::json to_json(const Roofline& r);

}  // namespace foundry::report
