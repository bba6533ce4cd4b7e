// `mutation`: local search from the elites of the case. The first generation
// is 8 random points (as random draws them); each next generation of 8 takes
// the 4 best correct outcomes of this case so far (failures never count) in
// turn and proposes a fresh one-knob step from each: to an adjacent value
// index (two times in three) or to any other value index of one knob, within
// the elite's template. One point per generation is random, so other
// templates and regions keep being tried; when no elite has a fresh
// neighbour left the generation is filled with random points.
#pragma once
#include "run/strategy_generations.hpp"

namespace foundry {

class MutationModel final : public SearchModel {
 public:
  static constexpr std::size_t kGeneration = 8;
  static constexpr std::size_t kElites = 4;
  explicit MutationModel(const StrategyContext&) {}
  void breed(Brood& brood) override;
  void learn(const SearchLog&, const std::vector<Outcome>&) override {}
  nlohmann::json save() const override;
  void load(const nlohmann::json& state) override;
};

// A fresh one-knob step from p: adjacent two times in three when both kinds
// are left; nullopt when p has no fresh neighbour.
std::optional<Point> step_from(const Point& p, const SearchLog& log, SeededStream& draws);

}  // namespace foundry
