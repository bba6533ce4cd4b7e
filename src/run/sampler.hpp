// Samplers choose what to try. `random` draws knobs, shapes, dtypes and params
// uniformly from their domains, cycling through an op's templates so every
// template gets its share. Its draws come from a counter-based stream keyed by
// (seed, op, index), so a rerun with the same seed proposes the same
// candidates and a resumed session skips those already recorded.
#pragma once
#include <string>
#include <vector>

#include "backends/backend.hpp"
#include "ops/op_contract.hpp"
#include "run/candidate.hpp"
#include "templates/template.hpp"

namespace foundry {

struct SamplerConfig {
  std::string mode = "random";
  uint64_t seed = 1;
  int per_op = 8;
  std::vector<Regime> regimes;
  std::vector<DType> dtypes;
};

struct PlannedCandidate {
  Candidate candidate;
  const KernelTemplate* tmpl = nullptr;
  std::string violated;  // non-empty: no valid knobs found; recorded as invalid_knobs
};

// The candidates for one op, in order. Candidates whose knobs break a
// constraint are redrawn a few times before one is kept as invalid_knobs.
std::vector<PlannedCandidate> plan_random(const OpContract& op, const std::vector<const KernelTemplate*>& templates,
                                          const Backend& backend, const SamplerConfig& cfg);

}  // namespace foundry
