#include "run/strategy_anneal.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "run/strategy_mutation.hpp"

namespace foundry {

using nlohmann::json;

namespace {
json cost_json(double c) { return std::isfinite(c) ? json(c) : json(); }
double cost_from(const json& j) { return j.is_null() ? std::numeric_limits<double>::infinity() : j.get<double>(); }
}  // namespace

AnnealModel::AnnealModel(const StrategyContext& ctx)
    : seed_(ctx.seed), stream_(ctx.stream), chains_(kChains) {}

void AnnealModel::breed(Brood& brood) {
  const SearchLog& log = brood.log();
  if (log.generations() == 0) {  // a random first generation; the chains start at the best of it
    brood.fill_random(2 * kChains);
    return;
  }
  const auto elites = log.elites(2 * kChains);
  for (std::size_t i = 0; i < chains_.size(); ++i) {
    Chain& c = chains_[i];
    c.pending.clear();
    std::optional<Point> next;
    if (!c.at.empty() && c.stale < kPatience) next = step_from(c.at, log, brood.draws());
    // (Re)start at the best elite no other chain stands on that has fresh neighbours.
    for (std::size_t e = 0; !next && e < elites.size(); ++e) {
      const Point& at = elites[e].point;
      if (std::any_of(chains_.begin(), chains_.end(), [&](const Chain& o) { return &o != &c && o.at == at; })) continue;
      next = step_from(at, log, brood.draws());
      if (next) {
        c.at = at;
        c.cost = elites[e].cost;
        c.steps = c.stale = 0;
      }
    }
    if (next) {
      if (brood.add(*next)) c.pending = *next;
      continue;
    }
    const std::size_t before = brood.size();  // restart from a random point
    brood.fill_random(before + 1);
    c.at.clear();
    c.steps = c.stale = 0;
    if (brood.size() > before) c.pending = brood.points().back();
  }
}

void AnnealModel::learn(const SearchLog& log, const std::vector<Outcome>& generation) {
  SeededStream draws(seed_, fmt::format("{}/anneal/accept/{}", stream_, log.generations()));
  for (Chain& c : chains_) {
    if (c.pending.empty()) continue;
    const Point p = std::move(c.pending);
    c.pending.clear();
    auto o = std::find_if(generation.begin(), generation.end(), [&](const Outcome& x) { return x.point == p; });
    const double u = uniform(draws);
    if (o == generation.end()) continue;  // the log evaluated another point in its place
    const double cost = elite_cost(*o);
    if (c.at.empty()) {  // a start is always taken; a failed one restarts at once
      c.at = p;
      c.cost = cost;
      c.stale = std::isfinite(cost) ? 0 : kPatience;
      continue;
    }
    const double temperature = kStartTemperature * std::pow(kCooling, c.steps++);
    const bool better = cost < c.cost;
    const bool accept = better || (std::isfinite(cost) && std::isfinite(c.cost) &&
                                   u < std::exp(-(cost - c.cost) / (c.cost * temperature)));
    c.stale = better ? 0 : c.stale + 1;
    if (accept) {
      c.at = p;
      c.cost = cost;
    }
  }
}

json AnnealModel::save() const {
  json chains = json::array();
  for (const auto& c : chains_) chains.push_back({c.at, cost_json(c.cost), c.steps, c.stale, c.pending});
  return {{"chains", chains}};
}

void AnnealModel::load(const json& state) {
  if (!state.is_object() || !state.contains("chains") || !state["chains"].is_array() ||
      state["chains"].size() != kChains)
    throw std::runtime_error("anneal: saved state lacks its chains");
  std::vector<Chain> chains;
  for (const auto& j : state["chains"]) {
    Chain c;
    c.at = j.at(0).get<Point>();
    c.cost = cost_from(j.at(1));
    c.steps = j.at(2).get<int>();
    c.stale = j.at(3).get<int>();
    c.pending = j.at(4).get<Point>();
    chains.push_back(std::move(c));
  }
  chains_ = std::move(chains);
}

}  // namespace foundry
