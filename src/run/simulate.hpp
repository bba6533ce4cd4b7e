// Replaying strategies against a recorded space: a session that holds a
// record for every valid point of a case answers each proposal with its
// logged cost, so strategies are compared without compiling or running
// anything (as Kernel Tuner's simulation mode does with its cache files).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "run/record.hpp"
#include "run/search_space.hpp"
#include "run/strategy.hpp"

namespace foundry {

// One case of a session as a lookup table over a space.
struct RecordedCase {
  std::string op;
  std::string key;  // case_key
  DType dtype = DType::f32;
  Shape shape;
  Params params;
  std::map<Point, double> cost;  // every recorded point: p50 (us), +inf when it failed
  std::size_t valid = 0;         // points of the space that break no constraint at the shape
  std::size_t recorded = 0;      // of those, how many the session holds
  bool complete() const { return valid > 0 && recorded == valid; }
  double best() const;           // the fastest recorded cost
};

// The slowest correct cost of the case (what a failure counts as in the score).
double worst_correct(const RecordedCase& c);

// The session's cases of `op`, each with the space's valid points and what was recorded.
std::vector<RecordedCase> recorded_cases(const std::vector<Record>& records, const SearchSpace& space, const std::string& op);

// Best cost found after each evaluation (1..budget) of one replay; fewer
// entries when the strategy exhausts the space first. A point the session
// lacks answers as a failure.
std::vector<double> replay(const StrategyRow& strategy, const RecordedCase& c, const SearchSpace& space, uint64_t seed,
                           int budget);

// Expected best cost after k evaluations (1..budget) of random search without
// replacement over the case's valid points, computed exactly. Failures count
// as the worst correct cost (so expectations stay finite), as in the score.
std::vector<double> random_expectation(const RecordedCase& c, int budget);

struct Quartiles {
  double q1 = 0, median = 0, q3 = 0;
};

struct StrategyScore {
  std::string strategy;
  // Evaluations to come within 1 %, 3 %, 5 % of the best recorded cost, over
  // the repeats; a replay that never does counts as budget + 1.
  Quartiles within[3];
  int reached[3] = {0, 0, 0};  // replays that came within each, of `repeats`
  // Kernel Tuner's standardised score: P(k) = (f(k) - f_random(k)) / (f_opt - f_random(k)),
  // 1 at the optimum, 0 at random search's expectation, averaged over the k of
  // 1..budget where that expectation is still above the optimum, and the repeats.
  double score = 0;
  int repeats = 0;
};

StrategyScore score(const std::string& strategy, const std::vector<std::vector<double>>& traces, const RecordedCase& c,
                    int budget);

}  // namespace foundry
