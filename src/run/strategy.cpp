#include "run/strategy.hpp"

#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "run/strategy_random.hpp"

namespace foundry {

const std::vector<StrategyRow>& strategy_table() {
  static const std::vector<StrategyRow> table{
      {"random", "uniform without replacement, after one point of each template in turn",
       [](const StrategyContext& c) { return std::make_unique<RandomStrategy>(c); }},
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
