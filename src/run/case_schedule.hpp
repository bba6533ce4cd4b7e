// The case schedule: which problems (dtype x shape x params) an op is tried
// on, and how many variants each gets. It is separate from the knob search: a
// strategy searches the knobs of one case and never chooses the case.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "backends/backend.hpp"
#include "ops/op_contract.hpp"

namespace foundry {

struct CaseSpec {
  std::string op;
  DType dtype = DType::f32;
  Regime regime = Regime::decode;
  Shape shape;
  Params params;
  uint64_t input_seed = 0;  // every candidate of the case sees the same inputs
  std::string key;          // case_key() of the above
};

// Candidates with equal keys share inputs and reference.
std::string case_key(const std::string& op, DType dtype, const Shape& shape, const Params& params, uint64_t seed);

struct Budget {
  int per_op = 8;    // variants per op, spread over its cases
  int per_case = 0;  // > 0: every case gets this many instead
};

// Cases to keep: those whose shape and params have these values (empty: all).
struct CaseFilter {
  Shape shape;
  Params params;
  bool keeps(const CaseSpec& c) const;
};

struct ScheduledCase {
  CaseSpec spec;
  int budget = 0;    // variants this case gets
  int position = 0;  // its place in the op's seeded case order
  int first = 0;     // the op-wide number of its first variant: the budgets of the cases before it
};

// Every case of the op under the selectors, in a seeded order (deterministic
// in (seed, op)): dtypes the op supports x the regimes' shapes (as the backend
// runs them) x the cartesian product of its params. With a per-op budget, the
// variants go round-robin along that order, so no case gets a second before
// every case has one.
std::vector<ScheduledCase> schedule_cases(const OpContract& op, const Backend& backend, const std::vector<Regime>& regimes,
                                          const std::vector<DType>& dtypes, uint64_t seed, const Budget& budget,
                                          const CaseFilter& filter = {});

// Uniform integer below n from a counter-based stream keyed by (seed, name).
class SeededStream {
 public:
  SeededStream(uint64_t seed, const std::string& name);
  std::size_t below(std::size_t n);

 private:
  uint64_t key_;
  uint64_t counter_ = 0;
};

}  // namespace foundry
