#include <gtest/gtest.h>

#include <cmath>

#include "ops/registry.hpp"

using namespace foundry;

TEST(RmsNorm, ReferenceMatchesHandWorkedCase) {
  const auto& op = Registry::instance().get("rmsnorm");
  Case c{"rmsnorm", DType::f32, {{"rows", 1}, {"cols", 2}}, {{"eps", 0.0}}, 1, 0};
  auto b = op.allocate(c);
  b[0].set(0, 3.0); b[0].set(1, 4.0);   // mean of squares = 12.5
  b[1].set(0, 1.0); b[1].set(1, 2.0);
  auto y = op.reference(c, b)[0];
  const double inv = 1.0 / std::sqrt(12.5);
  EXPECT_DOUBLE_EQ(y[0], 3.0 * inv);
  EXPECT_DOUBLE_EQ(y[1], 8.0 * inv);
}

TEST(RmsNorm, OutputRowsHaveUnitRmsWithUnitWeight) {
  const auto& op = Registry::instance().get("rmsnorm");
  Case c{"rmsnorm", DType::f32, {{"rows", 3}, {"cols", 64}}, {{"eps", 1e-6}}, 7, 0};
  auto b = op.allocate(c);
  op.generate(c, b);
  for (std::size_t j = 0; j < 64; ++j) b[1].set(j, 1.0);
  auto y = op.reference(c, b)[0];
  for (int r = 0; r < 3; ++r) {
    double ss = 0;
    for (int j = 0; j < 64; ++j) ss += y[r * 64 + j] * y[r * 64 + j];
    EXPECT_NEAR(std::sqrt(ss / 64), 1.0, 1e-5);
  }
}

TEST(RmsNorm, GeneratorIsDeterministicPerSeed) {
  const auto& op = Registry::instance().get("rmsnorm");
  Case c{"rmsnorm", DType::bf16, {{"rows", 2}, {"cols", 5}}, {{"eps", 1e-5}}, 42, 1};
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
