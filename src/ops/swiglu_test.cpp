#include <gtest/gtest.h>

#include <cmath>

#include "ops/registry.hpp"

using namespace foundry;

TEST(SwiGlu, ReferenceMatchesHandWorkedCase) {
  const auto& op = Registry::instance().get("swiglu");
  Case c{"swiglu", DType::f32, {{"rows", 2}, {"cols", 4}}, {}, 1, 0};
  auto b = op.allocate(c);
  const double gate[] = {0, 1, -1, 20, -20, 100, -100, 1}, up[] = {5, 1, 2, 0.5, 1, 1, 1, -3};
  for (int i = 0; i < 8; ++i) {
    b[0].set(i, gate[i]);
    b[1].set(i, up[i]);
  }
  auto y = op.reference(c, b)[0];
  EXPECT_EQ(y[0], 0.0);                                  // silu(0) = 0
  EXPECT_NEAR(y[1], 0.7310585786300049, 1e-15);          // 1 / (1 + e^-1)
  EXPECT_NEAR(y[2], -0.5378828427399902, 1e-15);         // 2 * -e^-1 / (1 + e^-1)
  EXPECT_NEAR(y[3], 9.999999979388464, 1e-13);
  EXPECT_NEAR(y[4], -4.122307236380407e-08, 1e-20);
  EXPECT_NEAR(y[5], 100.0, 1e-12);                       // silu(large) ~ large
  EXPECT_NEAR(y[6], 0.0, 1e-40);                         // silu(-large) ~ 0
  EXPECT_NEAR(y[7], -3 * 0.7310585786300049, 1e-15);
}

TEST(SwiGlu, LargeGatesGiveFiniteOutputs) {
  const auto& op = Registry::instance().get("swiglu");
  Case c{"swiglu", DType::f16, {{"rows", 33}, {"cols", 3}}, {}, 3, 1};
  auto b = op.allocate(c);
  op.generate(c, b);
  const auto y = op.reference(c, b)[0];
  for (double v : y) EXPECT_TRUE(std::isfinite(v));
}

TEST(SwiGlu, GeneratorIsDeterministicPerSeed) {
  const auto& op = Registry::instance().get("swiglu");
  Case c{"swiglu", DType::bf16, {{"rows", 2}, {"cols", 5}}, {}, 42, 0};
  auto a = op.allocate(c), b = op.allocate(c);
  op.generate(c, a);
  op.generate(c, b);
  for (int k = 0; k < 2; ++k)
    for (std::size_t i = 0; i < a[k].numel(); ++i) EXPECT_EQ(a[k].bits(i), b[k].bits(i));
  c.seed = 43;
  auto d = op.allocate(c);
  op.generate(c, d);
  int same = 0;
  for (std::size_t i = 0; i < a[0].numel(); ++i) same += a[0].bits(i) == d[0].bits(i);
  EXPECT_LT(same, 3);
}
