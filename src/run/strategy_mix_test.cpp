#include "run/strategy_mix.hpp"

#include <gtest/gtest.h>

#include "strategy_helpers.hpp"

using namespace foundry;
using namespace foundry_test;

TEST(MixStrategy, EveryArmBreedsAndTheArmsStatesLiveInMixsOwn) {
  auto f = search_space();
  auto s = f.make("mix", kWide);
  drive(s, bowl, 100);
  const auto& m = dynamic_cast<const MixModel&>(dynamic_cast<const GenerationalStrategy&>(*s).model());
  std::size_t pulls = 0;
  for (const auto& arm : m.arms()) {
    EXPECT_GT(arm.pulls, 0u) << arm.name;
    pulls += arm.pulls;
  }
  const std::size_t told = dynamic_cast<const GenerationalStrategy&>(*s).log().generations();
  EXPECT_TRUE(pulls == told || pulls == told + 1) << "one pull per generation, the last maybe in flight";
  const auto saved = s->save();
  const auto& arms = saved.at("model").at("arms");
  ASSERT_EQ(arms.size(), 3u);
  EXPECT_EQ(arms[0]["name"], "mutation");
  EXPECT_EQ(arms[1]["name"], "cem");
  EXPECT_TRUE(arms[1]["model"].contains("knobs")) << "cem's distributions";
  EXPECT_EQ(arms[2]["name"], "anneal");
  EXPECT_TRUE(arms[2]["model"].contains("chains"));
}

TEST(MixStrategy, FindsTheBestPointInAQuarterOfTheSpace) {
  expect_bowl_best_in_a_quarter("mix");
}
