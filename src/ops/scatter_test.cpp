#include <gtest/gtest.h>

#include <set>

#include "op_checks.hpp"
#include "ops/registry.hpp"

using namespace foundry;

TEST(Scatter, ReferenceMatchesHandWorkedCase) {
  const auto& op = Registry::instance().get("scatter");
  Case c{"scatter", DType::f32, {{"vocab", 4}, {"n", 2}, {"cols", 2}}, {}, 1, 0};
  auto b = op.allocate(c);
  for (int i = 0; i < 4; ++i) b[0].set(i, i + 1.0);  // src rows [1,2] [3,4]
  b[1].set(0, 3);
  b[1].set(1, 1);
  for (int i = 0; i < 8; ++i) b[2].set(i, 10.0 + i);  // dst rows [10,11] [12,13] [14,15] [16,17]
  EXPECT_EQ(op.reference(c, b)[0], (std::vector<double>{10, 11, 3, 4, 14, 15, 1, 2}));
}

TEST(Scatter, IndicesAreDistinctAndInRange) {
  const auto& op = Registry::instance().get("scatter");
  for (Shape s : {Shape{{"vocab", 129}, {"n", 129}, {"cols", 3}}, Shape{{"vocab", 4099}, {"n", 1031}, {"cols", 2}}}) {
    Case c{"scatter", DType::f32, s, {}, 3, 0};
    auto b = op.allocate(c);
    op.generate(c, b);
    std::set<double> seen;
    for (std::size_t i = 0; i < b[1].numel(); ++i) {
      ASSERT_GE(b[1].get(i), 0);
      ASSERT_LT(b[1].get(i), s["vocab"]);
      seen.insert(b[1].get(i));
    }
    EXPECT_EQ(seen.size(), b[1].numel());
  }
}

TEST(Scatter, UntouchedRowsKeepTheirContents) {
  const auto& op = Registry::instance().get("scatter");
  Case c{"scatter", DType::f16, {{"vocab", 40}, {"n", 10}, {"cols", 3}}, {}, 8, 2};
  auto b = op.allocate(c);
  op.generate(c, b);
  const auto dst = op.reference(c, b)[0];
  std::set<int> touched;
  for (int i = 0; i < 10; ++i) touched.insert(static_cast<int>(b[1].get(i)));
  for (int row = 0; row < 40; ++row)
    if (!touched.count(row))
      for (int j = 0; j < 3; ++j) EXPECT_EQ(dst[row * 3 + j], b[2].get(row * 3 + j));
}

TEST(Scatter, TrafficWritesOnlyTouchedRows) {
  const auto& op = Registry::instance().get("scatter");
  Case c{"scatter", DType::bf16, {{"vocab", 1000}, {"n", 3}, {"cols", 8}}, {}, 1, 0};
  EXPECT_EQ(op.traffic(c).bytes, 3 * 8 * 2 + 3 * 4 + 3 * 8 * 2);
}

TEST(Scatter, GeneratorIsDeterministicPerSeed) {
  const auto& op = Registry::instance().get("scatter");
  op_checks::expect_deterministic(op, {"scatter", DType::bf16, {{"vocab", 100}, {"n", 17}, {"cols", 5}}, {}, 42, 1});
}

TEST(Scatter, ShapesFit) {
  const auto& op = Registry::instance().get("scatter");
  op_checks::expect_shapes_fit(op);
  for (Regime r : all_regimes())
    for (const auto& s : op.shapes(r)) EXPECT_LE(s.at("n"), s.at("vocab"));
}
