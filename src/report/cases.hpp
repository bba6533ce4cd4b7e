// Records grouped by case: one op at one dtype, shape and params, on one
// backend and device (latencies of different shapes or machines are never
// compared). Per case its best trusted variant (lowest Record::cost()) and
// the best of its plain template, the speed-up's baseline.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "report/baseline.hpp"
#include "run/record.hpp"

namespace foundry::report {

struct CaseSummary {
  std::string key;  // backend, device, op, dtype, shape and params (not the input seed: sessions of other seeds merge)
  std::string backend, device, op, kernel_class;
  DType dtype = DType::f32;
  Regime regime = Regime::decode;
  Shape shape;
  Params params;
  double copy_gbps = 0;                // the device's measured copy bandwidth (0: none measured)
  std::vector<const Record*> records;  // in the order given
  std::size_t trusted = 0;             // trusted_ok() records
  const Record* best = nullptr;        // lowest cost() among trusted, timed records; null when none
  std::string plain_template;          // the op's plain template on this backend; empty when it has none
  const Record* plain_best = nullptr;  // the plain template's best trusted, timed record; null when none

  // plain_best's p50 over r's p50; null when either has no trusted latency.
  std::optional<double> speedup_of(const Record& r) const;
  std::optional<double> speedup() const { return best ? speedup_of(*best) : std::nullopt; }
  // "rmsnorm f32 decode rows=4 cols=4096 eps=1e-05" (the device too when `with_device`).
  std::string label(bool with_device = false) const;
};

// One summary per case, in the order cases first appear in `records`. The
// pointers point into `records`, which must outlive the result.
std::vector<CaseSummary> summarize_cases(const std::vector<Record>& records, const Baselines& baselines);

// Shape and params as "k=v k=v", in name order.
std::string shape_text(const Shape& shape, const Params& params);
// Knobs as "K=v K=v".
std::string knobs_text(const Knobs& knobs);

}  // namespace foundry::report
