#include <gtest/gtest.h>

#include <algorithm>

#include "op_checks.hpp"
#include "ops/registry.hpp"

using namespace foundry;

TEST(Gather, ReferenceMatchesHandWorkedCase) {
  const auto& op = Registry::instance().get("gather");
  Case c{"gather", DType::f32, {{"vocab", 3}, {"n", 4}, {"cols", 2}}, {}, 1, 0};
  auto b = op.allocate(c);
  for (int i = 0; i < 6; ++i) b[0].set(i, i + 1.0);  // rows [1,2] [3,4] [5,6]
  const int idx[] = {2, 0, 2, 1};
  for (int i = 0; i < 4; ++i) b[1].set(i, idx[i]);
  EXPECT_EQ(op.reference(c, b)[0], (std::vector<double>{5, 6, 1, 2, 5, 6, 3, 4}));
}

TEST(Gather, GatheringScatteredRowsGivesTheSourceBack) {
  const auto& scatter = Registry::instance().get("scatter");
  const auto& gather = Registry::instance().get("gather");
  const Shape shape{{"vocab", 50}, {"n", 20}, {"cols", 5}};
  Case sc{"scatter", DType::bf16, shape, {}, 9, 0};
  auto sb = scatter.allocate(sc);
  scatter.generate(sc, sb);
  const auto dst = scatter.reference(sc, sb)[0];

  Case gc{"gather", DType::bf16, shape, {}, 9, 0};
  auto gb = gather.allocate(gc);
  for (std::size_t i = 0; i < dst.size(); ++i) gb[0].set(i, dst[i]);
  for (std::size_t i = 0; i < 20; ++i) gb[1].set(i, sb[1].get(i));
  const auto out = gather.reference(gc, gb)[0];
  for (std::size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i], sb[0].get(i));
}

TEST(Gather, IndicesCoverTheTableWithRepeats) {
  const auto& op = Registry::instance().get("gather");
  Case c{"gather", DType::f16, {{"vocab", 33}, {"n", 129}, {"cols", 3}}, {}, 5, 0};
  auto b = op.allocate(c);
  op.generate(c, b);
  std::vector<int> hits(33);
  for (std::size_t i = 0; i < 129; ++i) {
    const double v = b[1].get(i);
    ASSERT_GE(v, 0);
    ASSERT_LT(v, 33);
    ++hits[static_cast<int>(v)];
  }
  EXPECT_GT(*std::max_element(hits.begin(), hits.end()), 1);
}

TEST(Gather, TrafficReadsEachDistinctRowOnce) {
  const auto& op = Registry::instance().get("gather");
  Case c{"gather", DType::f16, {{"vocab", 1000}, {"n", 1}, {"cols", 64}}, {}, 5, 0};
  EXPECT_EQ(op.traffic(c).bytes, 64 * 2 + 4 + 64 * 2);
  // With 8 rows in the table and 100 lookups every row is read, once.
  c.shape = {{"vocab", 8}, {"n", 100}, {"cols", 64}};
  EXPECT_EQ(op.traffic(c).bytes, 8 * 64 * 2 + 100 * 4 + 100 * 64 * 2);
}

TEST(Gather, GeneratorIsDeterministicPerSeed) {
  const auto& op = Registry::instance().get("gather");
  op_checks::expect_deterministic(op, {"gather", DType::bf16, {{"vocab", 100}, {"n", 17}, {"cols", 5}}, {}, 42, 1});
}

TEST(Gather, ShapesFit) { op_checks::expect_shapes_fit(Registry::instance().get("gather")); }
