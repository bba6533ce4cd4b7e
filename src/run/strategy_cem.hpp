// `cem`: the cross-entropy method over categorical distributions: one over the
// templates and, for each template, one per knob over its value indices, all
// uniform at first. Each generation samples --cem-generation fresh valid
// points (a template among those with fresh points left, then each knob's
// value; a template whose samples keep missing gives a random fresh point).
// After each generation the elites are the best ceil(--cem-elite x size)
// correct outcomes of the case so far (elitist: earlier generations' best
// stay in, since no point is sampled twice; failures never count); each
// distribution moves to the elites' frequencies with weight --cem-smoothing
// and keeps every probability at least --cem-floor.
#pragma once
#include "run/strategy_generations.hpp"

namespace foundry {

class CemModel final : public SearchModel {
 public:
  explicit CemModel(const StrategyContext& ctx);
  void breed(Brood& brood) override;
  void learn(const SearchLog& log, const std::vector<Outcome>& generation) override;
  nlohmann::json save() const override;
  void load(const nlohmann::json& state) override;

  const std::vector<double>& template_probabilities() const { return templates_; }
  // knobs()[t][k][v]: the probability of value index v of knob k of template t.
  const std::vector<std::vector<std::vector<double>>>& knob_probabilities() const { return knobs_; }

 private:
  void update(std::vector<double>& p, const std::vector<double>& freq) const;
  StrategyOptions opt_;
  std::vector<double> templates_;
  std::vector<std::vector<std::vector<double>>> knobs_;
};

// An index drawn with probability proportional to its weight (weights >= 0, not all 0).
std::size_t sample_weighted(const std::vector<double>& weights, SeededStream& draws);

}  // namespace foundry
