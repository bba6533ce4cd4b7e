// `anneal`: simulated annealing over the one-knob neighbourhood, as 4 chains
// that each propose one fresh step per generation (a generation is 4 points).
// A chain starts at a random point (templates in turn) and moves to a step
// that is faster, or slower by a relative amount r with probability
// exp(-r / T), T = 0.1 x 0.8^steps (seeded acceptance, geometric cooling per
// chain step); a failed step is never taken. A chain restarts, hot again, after
// 4 steps without improving on where it stands or when its neighbourhood is
// used up: from the case's best point when no other chain stands there and it
// has fresh neighbours, else from a random point.
//
// Annealing rather than greedy iterated local search: on these spaces (a few
// knobs of a handful of values) a greedy step runs out of fresh neighbours
// within a few generations, and accepting slower steps early keeps the
// chains moving between basins; the restarts from the best point give the
// intensification that ILS would.
#pragma once
#include "run/strategy_generations.hpp"

namespace foundry {

class AnnealModel final : public SearchModel {
 public:
  static constexpr std::size_t kChains = 4;
  static constexpr double kStartTemperature = 0.03;
  static constexpr double kCooling = 0.7;
  static constexpr int kPatience = 3;
  explicit AnnealModel(const StrategyContext& ctx);
  void breed(Brood& brood) override;
  void learn(const SearchLog& log, const std::vector<Outcome>& generation) override;
  nlohmann::json save() const override;
  void load(const nlohmann::json& state) override;

 private:
  struct Chain {
    Point at;  // where it stands (empty: not started)
    double cost = 0;
    int steps = 0;
    int stale = 0;  // steps since it last improved
    Point pending;  // its point in the generation in flight
  };
  uint64_t seed_;
  std::string stream_;
  std::vector<Chain> chains_;
};

}  // namespace foundry
