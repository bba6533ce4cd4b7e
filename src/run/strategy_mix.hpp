// `mix`: a bandit over mutation, cem and anneal. Each generation is bred by
// one of them; every one of them learns from every generation, so each sees
// all the case's outcomes. An arm's gain is the relative improvement of the
// case's best cost its generation brought, per evaluation, averaged with
// weight 1/2 on the latest (recent gains count most). Arms not yet tried go
// first, in that order; then UCB1: the largest
// gain + g x sqrt(2 ln(generations) / pulls), with g the largest gain of any
// arm, so an arm that stops paying is still tried now and then. coverage is
// not an arm: it ignores costs; with it, mix needed more evaluations to come
// within 3 % of the best on four of the five synthetic landscapes of
// StrategyMeasure (a fifth more in all) and as many on the fifth.
#pragma once
#include <memory>
#include <string>

#include "run/strategy_generations.hpp"

namespace foundry {

class MixModel final : public SearchModel {
 public:
  explicit MixModel(const StrategyContext& ctx);
  void breed(Brood& brood) override;
  void learn(const SearchLog& log, const std::vector<Outcome>& generation) override;
  nlohmann::json save() const override;
  void load(const nlohmann::json& state) override;

  struct Arm {
    std::string name;
    std::unique_ptr<SearchModel> model;
    std::size_t pulls = 0;  // generations it bred
    double gain = 0;        // recent improvement per evaluation
  };
  const std::vector<Arm>& arms() const { return arms_; }

 private:
  std::size_t choose() const;
  std::vector<Arm> arms_;
  int current_ = -1;    // the arm that bred the generation in flight
  double before_ = 0;   // the case's best cost when it was bred (+inf: none yet)
  std::size_t size_ = 0;
};

}  // namespace foundry
