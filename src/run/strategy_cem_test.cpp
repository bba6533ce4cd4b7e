#include "run/strategy_cem.hpp"

#include <gtest/gtest.h>

#include <numeric>

#include "strategy_helpers.hpp"

using namespace foundry;
using namespace foundry_test;

TEST(CemStrategy, ItsGenerationSizeIsAnOption) {
  auto f = search_space();
  StrategyOptions o;
  o.cem_generation = 5;
  auto s = strategy_row("cem").make(f.ctx(kWide, 1, 0, o));
  EXPECT_EQ(s->ask(100).size(), 5u);
  EXPECT_EQ(f.make("cem", kWide)->ask(100).size(), static_cast<std::size_t>(StrategyOptions{}.cem_generation));
}

TEST(CemStrategy, DistributionsMoveTowardsTheElitesAndKeepTheirFloor) {
  auto f = search_space();
  StrategyOptions o;
  o.cem_floor = 0.03;
  std::unique_ptr<Strategy> s = strategy_row("cem").make(f.ctx(kWide, 2, 0, o));
  drive(s, bowl, 60);
  const auto& m = dynamic_cast<const CemModel&>(dynamic_cast<const GenerationalStrategy&>(*s).model());
  auto check = [&](const std::vector<double>& p) {
    EXPECT_NEAR(std::accumulate(p.begin(), p.end(), 0.0), 1.0, 1e-9);
    for (double x : p) EXPECT_GE(x, 0.03 - 1e-12);
  };
  check(m.template_probabilities());
  EXPECT_GT(m.template_probabilities()[0], 0.9) << "grid holds every fast point";
  for (const auto& t : m.knob_probabilities())
    for (const auto& k : t) check(k);
  // Knob A of grid: the best value (index 5) is now the likeliest.
  const auto& a = m.knob_probabilities()[0][0];
  EXPECT_EQ(std::max_element(a.begin(), a.end()) - a.begin(), 5);
}

TEST(CemStrategy, FindsTheBestPointInAQuarterOfTheSpace) {
  expect_bowl_best_in_a_quarter("cem");
}
