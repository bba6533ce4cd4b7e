#include "run/strategy_anneal.hpp"

#include <gtest/gtest.h>

#include "strategy_helpers.hpp"

using namespace foundry;
using namespace foundry_test;

TEST(AnnealStrategy, ChainsStepOneKnobFromWhereTheyStand) {
  auto f = search_space();
  auto s = f.make("anneal", kWide, 5);
  const auto first = s->ask(100);
  EXPECT_EQ(first.size(), 2 * AnnealModel::kChains) << "a random first generation";
  std::vector<Outcome> told;
  for (const auto& p : first) told.push_back(outcome_of(p, bowl));
  s->tell(told);
  std::vector<Point> before;
  for (const auto& p : first) before.push_back(p.point);
  for (int gen = 0; gen < 20; ++gen) {
    const auto ps = s->ask(100);
    ASSERT_LE(ps.size(), AnnealModel::kChains);
    std::vector<Outcome> outs;
    for (const auto& p : ps) {
      // In a space this large no chain runs out of neighbours: every point is a step from one proposed before.
      EXPECT_TRUE(std::any_of(before.begin(), before.end(), [&](const Point& b) { return one_knob_apart(b, p.point); }));
      outs.push_back(outcome_of(p, bowl));
    }
    for (const auto& p : ps) before.push_back(p.point);
    s->tell(outs);
  }
}

TEST(AnnealStrategy, FindsTheBestPointInAQuarterOfTheSpace) {
  expect_bowl_best_in_a_quarter("anneal");
}
