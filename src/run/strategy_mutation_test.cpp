#include "run/strategy_mutation.hpp"

#include <gtest/gtest.h>

#include "strategy_helpers.hpp"

using namespace foundry;
using namespace foundry_test;

TEST(MutationStrategy, StepsOneKnobFromTheBestCorrectVariantsOfTheCase) {
  auto f = search_space();
  auto s = f.make("mutation", kWide, 4);
  const auto first = s->ask(100);
  ASSERT_EQ(first.size(), MutationModel::kGeneration) << "a random first generation";
  EXPECT_TRUE(s->ask(100).empty()) << "it waits for the generation's outcomes";
  std::vector<Outcome> told;
  for (const auto& p : first) told.push_back(raw_outcome_of(p, bowl));  // failures claim 1 us
  s->tell(told);
  std::vector<Outcome> ok;
  for (const auto& o : told)
    if (o.status == Status::ok) ok.push_back(o);
  ASSERT_GE(ok.size(), 2u);
  ASSERT_LT(ok.size(), told.size()) << "the seed should draw a failure into the first generation";
  std::sort(ok.begin(), ok.end(), [](const Outcome& a, const Outcome& b) { return a.cost < b.cost; });
  ok.resize(std::min<std::size_t>(ok.size(), MutationModel::kElites));
  const auto next = s->ask(100);
  ASSERT_EQ(next.size(), MutationModel::kGeneration);
  int steps = 0;
  for (const auto& p : next) {
    const bool from_elite = std::any_of(ok.begin(), ok.end(), [&](const Outcome& e) { return one_knob_apart(e.point, p.point); });
    steps += from_elite;
    for (const auto& o : told)
      if (o.status != Status::ok && one_knob_apart(o.point, p.point) && !from_elite)
        ADD_FAILURE() << "a step from a failure";
  }
  EXPECT_GE(steps, static_cast<int>(MutationModel::kGeneration) - 1) << "all but the one random point";
}

TEST(MutationStrategy, FindsTheBestPointInAQuarterOfTheSpace) {
  expect_bowl_best_in_a_quarter("mutation");
}
