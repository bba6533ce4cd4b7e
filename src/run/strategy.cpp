#include "run/strategy.hpp"

#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "run/strategy_anneal.hpp"
#include "run/strategy_cem.hpp"
#include "run/strategy_coverage.hpp"
#include "run/strategy_generations.hpp"
#include "run/strategy_mix.hpp"
#include "run/strategy_mutation.hpp"
#include "run/strategy_random.hpp"

namespace foundry {

namespace {

// A row whose strategy is a model run in generations (strategy_generations.hpp).
template <class Model>
StrategyRow generational(const std::string& name, std::string help) {
  return {name, std::move(help), [name](const StrategyContext& c) -> std::unique_ptr<Strategy> {
            return std::make_unique<GenerationalStrategy>(
                c, name, [](const StrategyContext& x) -> std::unique_ptr<SearchModel> { return std::make_unique<Model>(x); });
          }};
}

}  // namespace

void check_strategy_options(const StrategyOptions& o) {
  if (o.cem_generation < 2 || o.cem_generation > 4096)
    throw std::invalid_argument(fmt::format("--cem-generation {}: must be in 2..4096", o.cem_generation));
  if (!(o.cem_elite > 0 && o.cem_elite < 1))
    throw std::invalid_argument(fmt::format("--cem-elite {}: must be in (0, 1)", o.cem_elite));
  if (!(o.cem_smoothing > 0 && o.cem_smoothing <= 1))
    throw std::invalid_argument(fmt::format("--cem-smoothing {}: must be in (0, 1]", o.cem_smoothing));
  if (!(o.cem_floor >= 0 && o.cem_floor < 0.5))
    throw std::invalid_argument(fmt::format("--cem-floor {}: must be in [0, 0.5)", o.cem_floor));
}

const std::vector<StrategyRow>& strategy_table() {
  static const std::vector<StrategyRow> table{
      {"random", "uniform without replacement, after one point of each template in turn",
       [](const StrategyContext& c) { return std::make_unique<RandomStrategy>(c); }},
      generational<CoverageModel>("coverage", "greedy pairwise coverage of each template's knob values, templates in turn"),
      generational<MutationModel>("mutation", "one-knob steps from the case's best variants"),
      generational<CemModel>("cem", "cross-entropy method over categorical template and knob distributions (--cem-*)"),
      generational<AnnealModel>("anneal", "simulated annealing over one-knob steps, four chains, restarts from the best"),
      generational<MixModel>("mix", "a bandit giving each generation to mutation, cem or anneal by recent gain"),
  };
  return table;
}

std::vector<std::string> strategy_names() {
  std::vector<std::string> names;
  for (const auto& r : strategy_table()) names.push_back(r.name);
  return names;
}

const StrategyRow& strategy_row(const std::string& name) {
  for (const auto& r : strategy_table())
    if (r.name == name) return r;
  throw std::invalid_argument(fmt::format("--mode {}: unknown strategy ({})", name, fmt::join(strategy_names(), ", ")));
}

}  // namespace foundry
