#include <gtest/gtest.h>

#include <cmath>

#include "ops/registry.hpp"

using namespace foundry;

TEST(Dequantize, ReferenceMatchesHandWorkedCase) {
  const auto& op = Registry::instance().get("dequantize");
  Case c{"dequantize", DType::f32, {{"rows", 2}, {"cols", 3}}, {}, 1, 0};
  auto b = op.allocate(c);
  const double q[] = {-127, 0, 5, 127, -1, 3};
  for (int i = 0; i < 6; ++i) b[0].set(i, q[i]);
  b[1].set(0, 0.5);
  b[1].set(1, 0.25);
  auto y = op.reference(c, b)[0];
  const double want[] = {-63.5, 0, 2.5, 31.75, -0.25, 0.75};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(y[i], want[i]) << i;
}

TEST(Dequantize, GeneratorDrawsInt8CodesAndPositiveScales) {
  const auto& op = Registry::instance().get("dequantize");
  for (int test = 0; test < 3; ++test) {
    Case c{"dequantize", DType::f16, {{"rows", 33}, {"cols", 1031}}, {}, 6, test};
    auto b = op.allocate(c);
    op.generate(c, b);
    int lo = 0, hi = 0;
    for (std::size_t i = 0; i < b[0].numel(); ++i) {
      const double q = b[0].get(i);
      ASSERT_GE(q, -127);
      ASSERT_LE(q, 127);
      lo += q == -127;
      hi += q == 127;
    }
    EXPECT_GT(lo, 0);  // both ends of the code range occur
    EXPECT_GT(hi, 0);
    const double m = magnitude_for_test(test);
    for (std::size_t r = 0; r < b[1].numel(); ++r) {
      EXPECT_GE(b[1].get(r), m * 1e-3 * (1 - 1e-6));
      EXPECT_LE(b[1].get(r), m * (1 + 1e-6));
    }
    const auto y = op.reference(c, b)[0];
    for (double v : y) EXPECT_TRUE(std::isfinite(round_to(Elem::f16, v)));
  }
}

TEST(Dequantize, GeneratorIsDeterministicPerSeed) {
  const auto& op = Registry::instance().get("dequantize");
  Case c{"dequantize", DType::bf16, {{"rows", 2}, {"cols", 5}}, {}, 42, 0};
  auto a = op.allocate(c), b = op.allocate(c);
  op.generate(c, a);
  op.generate(c, b);
  for (int k = 0; k < 2; ++k)
    for (std::size_t i = 0; i < a[k].numel(); ++i) EXPECT_EQ(a[k].bits(i), b[k].bits(i));
  c.seed = 43;
  auto d = op.allocate(c);
  op.generate(c, d);
  int same = 0;
  for (std::size_t i = 0; i < a[1].numel(); ++i) same += a[1].bits(i) == d[1].bits(i);
  EXPECT_LT(same, 1);
}
