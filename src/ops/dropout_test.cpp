#include <gtest/gtest.h>

#include <cmath>

#include "ops/registry.hpp"

using namespace foundry;

TEST(Dropout, ReferenceMatchesHandWorkedCase) {
  const auto& op = Registry::instance().get("dropout");
  Case c{"dropout", DType::f32, {{"rows", 2}, {"cols", 2}}, {{"p", 0.5}, {"seed", 0}}, 1, 0};
  auto b = op.allocate(c);
  for (int i = 0; i < 4; ++i) b[0].set(i, i + 1);
  // Threshold 0.5 * 2^24 = 0x800000 against the draws' top 24 bits from the known
  // answer: 0x6627e8 drops, 0xe169c5, 0xbc57ac and 0x9b00db keep (scaled by 2).
  auto y = op.reference(c, b)[0];
  EXPECT_EQ(y[0], 0.0);
  EXPECT_EQ(y[1], 4.0);
  EXPECT_EQ(y[2], 6.0);
  EXPECT_EQ(y[3], 8.0);
}

TEST(Dropout, KeepRateAndScaleFollowP) {
  const auto& op = Registry::instance().get("dropout");
  const int64_t n = 200000;
  for (double p : {0.1, 0.5, 0.9}) {
    Case c{"dropout", DType::f32, {{"rows", 1}, {"cols", n}}, {{"p", p}, {"seed", 12345}}, 8, 0};
    auto b = op.allocate(c);
    op.generate(c, b);
    auto y = op.reference(c, b)[0];
    int64_t kept = 0;
    for (int64_t i = 0; i < n; ++i) {
      if (y[i] == 0) continue;
      ++kept;
      EXPECT_NEAR(y[i], b[0].get(i) / (1 - p), 1e-6 * std::fabs(y[i]));
    }
    const double sigma = std::sqrt(n * p * (1 - p));
    EXPECT_NEAR(static_cast<double>(kept), n * (1 - p), 5 * sigma) << "p = " << p;
  }
}

TEST(Dropout, MaskDependsOnTheSeedNotTheData) {
  const auto& op = Registry::instance().get("dropout");
  Case c{"dropout", DType::f16, {{"rows", 4}, {"cols", 64}}, {{"p", 0.5}, {"seed", 1}}, 5, 0};
  auto b = op.allocate(c);
  op.generate(c, b);
  const auto y1 = op.reference(c, b)[0];
  c.test_index = 1;  // different data, same seed: same mask
  op.generate(c, b);
  const auto y1_large = op.reference(c, b)[0];
  c.params["seed"] = 2;
  const auto y2 = op.reference(c, b)[0];
  int same_mask = 0, other_seed_same = 0;
  for (std::size_t i = 0; i < y1.size(); ++i) {
    same_mask += (y1[i] == 0) == (y1_large[i] == 0);
    other_seed_same += (y1_large[i] == 0) == (y2[i] == 0);
  }
  EXPECT_EQ(same_mask, 256);
  EXPECT_LT(other_seed_same, 192);
}

TEST(Dropout, GeneratorIsDeterministicPerSeed) {
  const auto& op = Registry::instance().get("dropout");
  Case c{"dropout", DType::bf16, {{"rows", 2}, {"cols", 5}}, {{"p", 0.1}, {"seed", 1}}, 42, 0};
  auto a = op.allocate(c), b = op.allocate(c);
  op.generate(c, a);
  op.generate(c, b);
  for (std::size_t i = 0; i < a[0].numel(); ++i) EXPECT_EQ(a[0].bits(i), b[0].bits(i));
  c.seed = 43;
  auto d = op.allocate(c);
  op.generate(c, d);
  int same = 0;
  for (std::size_t i = 0; i < a[0].numel(); ++i) same += a[0].bits(i) == d[0].bits(i);
  EXPECT_LT(same, 3);
}
