// `coverage`: pairwise coverage of each template's knob values. Each
// generation (8 points) takes the templates that still have pairs to cover in
// turn, from the case's first variant as random does, and proposes the valid
// point of the template that covers the most (knob i value a, knob j value b)
// pairs not yet covered by a valid point proposed in the case, ties broken by
// the seeded stream. Once every template's pairs are covered it proposes
// random points without replacement, uniform over the whole space. Costs are
// not used: this is the strategy for datasets.
#pragma once
#include <set>
#include <vector>

#include "run/strategy_generations.hpp"

namespace foundry {

// Covered pairs of a template, of those it can cover at the case's shape
// (pairs that some valid point holds). A template of one knob counts its
// values, one of none its single point.
struct PairCoverage {
  std::size_t covered = 0;
  std::size_t total = 0;
  double share() const { return total == 0 ? 1.0 : static_cast<double>(covered) / static_cast<double>(total); }
  PairCoverage& operator+=(const PairCoverage& o) {
    covered += o.covered;
    total += o.total;
    return *this;
  }
};

// The pairs of one template and which of them are coverable and covered.
class TemplatePairs {
 public:
  // Coverable pairs of template t; none covered yet.
  TemplatePairs(const ValidPoints& valid, std::size_t t);
  // Pair ids a point of this template holds.
  void items(const Point& p, std::vector<std::size_t>& out) const;
  // Pairs of p that are coverable and not yet covered.
  std::size_t gain(const Point& p) const;
  void cover(const Point& p);
  PairCoverage coverage() const { return {covered_, coverable_}; }
  bool complete() const { return covered_ == coverable_; }

 private:
  std::vector<int> dims_;
  std::vector<std::size_t> offset_;  // per knob pair (i < j), row-major over i, j
  std::vector<char> coverable_mask_, covered_mask_;
  std::size_t coverable_ = 0, covered_ = 0;
  mutable std::vector<std::size_t> scratch_;
};

// Pairwise coverage of each template of the space by the valid ones of `points`.
std::vector<PairCoverage> pairwise_coverage(const ValidPoints& valid, const std::set<Point>& points);

class CoverageModel final : public SearchModel {
 public:
  static constexpr std::size_t kGeneration = 8;
  explicit CoverageModel(const StrategyContext& ctx);
  void breed(Brood& brood) override;
  void learn(const SearchLog&, const std::vector<Outcome>&) override {}
  nlohmann::json save() const override;
  void load(const nlohmann::json& state) override;

  // The coverage reached by what the case's search proposed, per template.
  static std::vector<PairCoverage> coverage(const SearchLog& log);

 private:
  std::size_t turn_;
};

}  // namespace foundry
