#include "run/strategy_coverage.hpp"

#include <algorithm>
#include <stdexcept>

namespace foundry {

TemplatePairs::TemplatePairs(const ValidPoints& valid, std::size_t t) : dims_(valid.dims(t)) {
  const std::size_t k = dims_.size();
  std::size_t n = 0;
  if (k < 2) {
    n = k == 0 ? 1 : static_cast<std::size_t>(dims_[0]);
  } else {
    for (std::size_t i = 0; i < k; ++i)
      for (std::size_t j = i + 1; j < k; ++j) {
        offset_.push_back(n);
        n += static_cast<std::size_t>(dims_[i]) * static_cast<std::size_t>(dims_[j]);
      }
  }
  covered_mask_.assign(n, 0);
  if (!valid.enumerable(t)) {  // too large to know: every pair counts
    coverable_mask_.assign(n, 1);
    coverable_ = n;
    return;
  }
  coverable_mask_.assign(n, 0);
  for (std::size_t f : valid.valid_flats(t)) {
    items(valid.at(t, f), scratch_);
    for (std::size_t id : scratch_)
      if (!coverable_mask_[id]) {
        coverable_mask_[id] = 1;
        ++coverable_;
      }
  }
}

void TemplatePairs::items(const Point& p, std::vector<std::size_t>& out) const {
  out.clear();
  const std::size_t k = dims_.size();
  if (k < 2) {
    out.push_back(k == 0 ? 0 : static_cast<std::size_t>(p[1]));
    return;
  }
  std::size_t pair = 0;
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = i + 1; j < k; ++j)
      out.push_back(offset_[pair++] + static_cast<std::size_t>(p[1 + i]) * static_cast<std::size_t>(dims_[j]) +
                    static_cast<std::size_t>(p[1 + j]));
}

std::size_t TemplatePairs::gain(const Point& p) const {
  items(p, scratch_);
  std::size_t g = 0;
  for (std::size_t id : scratch_) g += coverable_mask_[id] && !covered_mask_[id];
  return g;
}

void TemplatePairs::cover(const Point& p) {
  items(p, scratch_);
  for (std::size_t id : scratch_)
    if (coverable_mask_[id] && !covered_mask_[id]) {
      covered_mask_[id] = 1;
      ++covered_;
    }
}

namespace {

std::vector<TemplatePairs> pairs_of(const ValidPoints& valid, const std::set<Point>& points) {
  std::vector<TemplatePairs> pairs;
  for (std::size_t t = 0; t < valid.space().templates(); ++t) pairs.emplace_back(valid, t);
  for (const auto& p : points)
    if (valid.valid(p)) pairs[static_cast<std::size_t>(p[0])].cover(p);
  return pairs;
}

}  // namespace

std::vector<PairCoverage> pairwise_coverage(const ValidPoints& valid, const std::set<Point>& points) {
  std::vector<PairCoverage> out;
  for (const auto& tp : pairs_of(valid, points)) out.push_back(tp.coverage());
  return out;
}

CoverageModel::CoverageModel(const StrategyContext& ctx) : turn_(static_cast<std::size_t>(std::max(0, ctx.first))) {}

std::vector<PairCoverage> CoverageModel::coverage(const SearchLog& log) {
  return pairwise_coverage(log.points(), log.proposed_points());
}

void CoverageModel::breed(Brood& brood) {
  const SearchLog& log = brood.log();
  const std::size_t n = log.templates();
  auto pairs = pairs_of(log.points(), log.proposed_points());
  while (brood.size() < kGeneration) {
    bool added = false;
    // Templates in turn, those with pairs left to cover.
    for (std::size_t tries = 0; tries < n && !added; ++tries) {
      const std::size_t t = turn_++ % n;
      if (pairs[t].complete()) {
        if (log.proposed_in(t) == 0) added = brood.add_random(t);  // no valid point: its one invalid point says why
        continue;
      }
      std::size_t best_gain = 0, ties = 0;
      std::optional<std::size_t> best;
      Point p;
      for (std::size_t f : log.fresh_flats(t, brood.draws())) {
        log.points().at(t, f, p);
        const std::size_t g = pairs[t].gain(p);
        if (g == 0 || g < best_gain) continue;
        if (g > best_gain) {
          best_gain = g;
          ties = 0;
        }
        if (brood.draws().below(++ties) == 0) best = f;  // a uniform choice among the ties
      }
      if (best && brood.add(log.points().at(t, *best))) {
        pairs[t].cover(brood.points().back());
        added = true;
      }
    }
    if (!added) {  // every pair is covered: random points over the whole space
      brood.fill_random(kGeneration);
      return;
    }
  }
}

nlohmann::json CoverageModel::save() const { return {{"turn", turn_}}; }

void CoverageModel::load(const nlohmann::json& state) {
  if (!state.is_object() || !state.contains("turn")) throw std::runtime_error("coverage: saved state lacks turn");
  turn_ = state["turn"].get<std::size_t>();
}

}  // namespace foundry
