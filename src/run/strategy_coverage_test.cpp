#include "run/strategy_coverage.hpp"

#include <gtest/gtest.h>

#include "strategy_helpers.hpp"

using namespace foundry;
using namespace foundry_test;

namespace {

const CoverageModel& coverage_model(const Strategy& s) {
  return dynamic_cast<const CoverageModel&>(dynamic_cast<const GenerationalStrategy&>(s).model());
}
const SearchLog& log_of(const Strategy& s) { return dynamic_cast<const GenerationalStrategy&>(s).log(); }

// Evaluations until every template's coverable pairs are covered.
std::size_t evaluations_to_full_coverage(const SpaceFixture& f, const Shape& shape, const Trace& t) {
  ValidPoints valid(*f.space, shape);
  std::vector<TemplatePairs> pairs;
  for (std::size_t k = 0; k < f.space->templates(); ++k) pairs.emplace_back(valid, k);
  for (std::size_t i = 0; i < t.in_order.size(); ++i) {
    if (valid.valid(t.in_order[i])) pairs[static_cast<std::size_t>(t.in_order[i][0])].cover(t.in_order[i]);
    if (std::all_of(pairs.begin(), pairs.end(), [](const TemplatePairs& x) { return x.complete(); })) return i + 1;
  }
  return t.in_order.size() + 1;
}

}  // namespace

TEST(PairCoverage, CountsThePairsSomeValidPointHolds) {
  auto f = fake_space();  // at cols = 3, tiled's valid (A, B) are (1, 1), (1, 2), (1, 3), (2, 1), (3, 1)
  ValidPoints valid(*f.space, kNarrow);
  auto c = pairwise_coverage(valid, {});
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].total, 1u) << "plain has no knob: its one point";
  EXPECT_EQ(c[1].total, 5u);
  c = pairwise_coverage(valid, {{0}, {1, 0, 0}, {1, 5, 3}});  // (6, 4) breaks A * B <= cols: it covers nothing
  EXPECT_EQ(c[0].covered, 1u);
  EXPECT_EQ(c[1].covered, 1u);
  EXPECT_DOUBLE_EQ(c[1].share(), 0.2);

  auto g = search_space();  // grid: 8x6 + 8x4 + 8x2 + 6x4 + 6x2 + 4x2 pairs; line: 9 values
  ValidPoints wide(*g.space, kWide);
  c = pairwise_coverage(wide, {{0, 1, 2, 3, 1}, {0, 1, 2, 0, 0}, {1, 4}});
  EXPECT_EQ(c[0].total, 140u);
  EXPECT_EQ(c[0].covered, 6u + 5u) << "the second point shares (A, B) with the first";
  EXPECT_EQ(c[1].covered, 1u);
}

TEST(CoverageStrategy, EachPointCoversTheMostPairsItsTemplateHasLeft) {
  auto f = search_space();
  auto s = f.make("coverage", kWide, 3);
  const auto t = drive(s, bowl, 120, Drive{5, 3});
  ValidPoints valid(*f.space, kWide);
  std::vector<TemplatePairs> pairs{TemplatePairs(valid, 0), TemplatePairs(valid, 1)};
  std::set<Point> proposed;
  for (const auto& p : t.in_order) {
    TemplatePairs& tp = pairs[static_cast<std::size_t>(p[0])];
    if (!tp.complete()) {
      std::size_t most = 0;
      for (std::size_t i = 0; i < f.space->size(p[0]); ++i) {
        const Point q = f.space->at(p[0], i);
        if (!proposed.count(q) && valid.valid(q)) most = std::max(most, tp.gain(q));
      }
      EXPECT_EQ(tp.gain(p), most);
    }
    tp.cover(p);
    proposed.insert(p);
  }
  EXPECT_TRUE(pairs[0].complete() && pairs[1].complete());
}

TEST(CoverageStrategy, ReachesFullPairwiseCoverageInHalfTheEvaluationsRandomNeeds) {
  auto f = search_space();
  std::map<std::string, std::vector<std::size_t>> evals;
  for (uint64_t seed = 1; seed <= 9; ++seed)
    for (const std::string name : {"random", "coverage"}) {
      auto s = f.make(name, kWide, seed);
      evals[name].push_back(evaluations_to_full_coverage(f, kWide, drive(s, bowl, 393)));
    }
  EXPECT_LE(2 * median(evals["coverage"]), median(evals["random"]))
      << "coverage " << median(evals["coverage"]) << ", random " << median(evals["random"]);
}

TEST(CoverageStrategy, ReportsTheCoverageItReachedPerTemplate) {
  auto f = search_space();
  auto s = f.make("coverage", kWide);
  auto none = CoverageModel::coverage(log_of(*s));
  ASSERT_EQ(none.size(), 2u);
  EXPECT_EQ(none[0].covered + none[1].covered, 0u);
  drive(s, bowl, 16);
  auto some = CoverageModel::coverage(log_of(*s));
  EXPECT_EQ(some[1].covered, 8u) << "line's 9 values, templates in turn: 8 of 16";
  EXPECT_EQ(some[0].covered, 8u * 6u) << "8 grid points, each with 6 pairs no other holds";
  drive(s, bowl, 1000);
  for (const auto& c : CoverageModel::coverage(log_of(*s))) EXPECT_DOUBLE_EQ(c.share(), 1.0);
  (void)coverage_model(*s);
}

TEST(CoverageStrategy, TemplatesTakeTurnsFromTheCasesFirstVariant) {
  auto f = search_space();
  for (int first : {0, 1, 5}) {
    auto s = f.make("coverage", kWide, 1, first);
    auto ps = s->ask(4);
    ASSERT_EQ(ps.size(), 4u);
    for (std::size_t i = 0; i < ps.size(); ++i) EXPECT_EQ(ps[i].point[0], (first + static_cast<int>(i)) % 2);
  }
}
