// `anneal`: simulated annealing over the one-knob neighbourhood. The first
// generation is 8 random points; then 4 chains each propose one fresh step
// per generation (a generation is 4 points). A chain stands on one of the
// case's elites (the best correct variants, one chain per elite) and moves
// to a step that is faster, or slower by a relative amount r with
// probability exp(-r / T), T = 0.03 x 0.7^steps (seeded acceptance,
// geometric cooling per chain step); a failed step is never taken. After 3
// steps without improving on where it stands, or when its neighbourhood is
// used up, a chain restarts, hot again, at the best elite no other chain
// stands on that has fresh neighbours (a random point when none has).
//
// Annealing rather than greedy iterated local search: mutation already is a
// greedy local search from the elites (what ILS would do, with kicks
// replaced by its random point), so anneal is the strategy that accepts
// slower steps and walks out of a basin, which gives mix an arm that behaves
// differently. On the synthetic landscapes of StrategyMeasure the two need
// about as many evaluations to come within 3 % of the best.
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
