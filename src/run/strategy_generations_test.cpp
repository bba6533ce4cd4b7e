#include "run/strategy_generations.hpp"

#include <gtest/gtest.h>

#include "ops/registry.hpp"
#include "strategy_helpers.hpp"

using namespace foundry;
using namespace foundry_test;

// ValidPoints parses each constraint once; it must judge every point as the
// run does (SearchSpace::violated, which parses on every call).
TEST(ValidPoints, AgreeWithTheConstraintsOfEveryShippedTemplateAtEveryShape) {
  const auto templates = discover_templates(std::filesystem::path(FOUNDRY_SOURCE_DIR) / "templates");
  ASSERT_GT(templates.size(), 30u);
  std::size_t checked = 0, invalid = 0;
  for (const auto& t : templates) {
    SearchSpace space({&t});
    for (Regime r : all_regimes())
      for (const Shape& shape : Registry::instance().get(t.op).shapes(r)) {
        ValidPoints valid(space, shape);
        const std::size_t stride = std::max<std::size_t>(1, space.size(0) / 200);
        for (std::size_t i = 0; i < space.size(0); i += stride) {
          const Point p = space.at(0, i);
          const bool expected = space.violated(p, shape).empty();
          EXPECT_EQ(valid.valid(p), expected) << t.id << " " << i;
          ++checked;
          invalid += !expected;
        }
      }
  }
  EXPECT_GT(invalid, 0u) << "some shipped constraint should bite somewhere";
  EXPECT_GT(checked, 10000u);
}

TEST(SearchLog, ElitesAreTheBestCorrectOutcomesBestFirstTiesBySeq) {
  auto f = search_space();
  const auto ctx = f.ctx(kWide);
  SearchLog log(ctx);
  log.append({{0, {1, 0}, Status::ok, 30},
              {1, {1, 1}, Status::mismatch, 1},
              {2, {1, 2}, Status::ok, 20},
              {3, {1, 3}, Status::timeout, std::numeric_limits<double>::infinity()},
              {4, {1, 4}, Status::ok, 20}});
  const auto e = log.elites(10);
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].seq, 2u);
  EXPECT_EQ(e[1].seq, 4u);
  EXPECT_EQ(e[2].seq, 0u);
  EXPECT_EQ(log.best()->seq, 2u);
  EXPECT_TRUE(log.proposed({1, 1})) << "a failure is still proposed: it is never tried again";
  EXPECT_FALSE(log.fresh({1, 1}));
  EXPECT_TRUE(log.fresh({1, 5}));
  EXPECT_EQ(log.fresh_neighbours({1, 4}, true), (std::vector<Point>{{1, 5}}));
  EXPECT_EQ(log.fresh_neighbours({1, 4}, false).size(), 4u) << "W 6..9";
}
