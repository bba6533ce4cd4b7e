#include <gtest/gtest.h>

#include <cmath>

#include "ops/registry.hpp"

using namespace foundry;

namespace {
// gelu(g) * up for gate {0, 1, -1, 2} and up {1, 1, 1, 2} under one formula.
std::vector<double> hand_case(double approximate) {
  const auto& op = Registry::instance().get("geglu");
  Case c{"geglu", DType::f32, {{"rows", 1}, {"cols", 4}}, {{"approximate", approximate}}, 1, 0};
  auto b = op.allocate(c);
  const double gate[] = {0, 1, -1, 2}, up[] = {1, 1, 1, 2};
  for (int i = 0; i < 4; ++i) {
    b[0].set(i, gate[i]);
    b[1].set(i, up[i]);
  }
  return op.reference(c, b)[0];
}
}  // namespace

TEST(GeGlu, ExactGeluMatchesHandWorkedValues) {
  auto y = hand_case(0);
  EXPECT_EQ(y[0], 0.0);
  EXPECT_NEAR(y[1], 0.8413447460685429, 1e-15);   // Phi(1)
  EXPECT_NEAR(y[2], -0.15865525393145707, 1e-15); // -Phi(-1)
  EXPECT_NEAR(y[3], 2 * 1.9544997361036416, 1e-14);
}

TEST(GeGlu, TanhApproximationMatchesHandWorkedValues) {
  auto y = hand_case(1);
  EXPECT_EQ(y[0], 0.0);
  EXPECT_NEAR(y[1], 0.8411919906082768, 1e-15);
  EXPECT_NEAR(y[2], -0.15880800939172330, 1e-15);
  EXPECT_NEAR(y[3], 2 * 1.9545976940877750, 1e-14);
}

TEST(GeGlu, LargeGatesSaturateToIdentityAndZero) {
  const auto& op = Registry::instance().get("geglu");
  for (double approximate : {0.0, 1.0}) {
    Case c{"geglu", DType::f32, {{"rows", 1}, {"cols", 2}}, {{"approximate", approximate}}, 1, 0};
    auto b = op.allocate(c);
    b[0].set(0, 300.0); b[0].set(1, -300.0);
    b[1].set(0, 1.0); b[1].set(1, 1.0);
    auto y = op.reference(c, b)[0];
    EXPECT_EQ(y[0], 300.0);
    EXPECT_EQ(y[1], 0.0);
  }
}

TEST(GeGlu, GeneratorIsDeterministicPerSeed) {
  const auto& op = Registry::instance().get("geglu");
  Case c{"geglu", DType::f16, {{"rows", 2}, {"cols", 5}}, {{"approximate", 1}}, 42, 2};
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
