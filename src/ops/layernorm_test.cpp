#include <gtest/gtest.h>

#include <cmath>

#include "ops/registry.hpp"

using namespace foundry;

TEST(LayerNorm, ReferenceMatchesHandWorkedCase) {
  const auto& op = Registry::instance().get("layernorm");
  Case c{"layernorm", DType::f32, {{"rows", 1}, {"cols", 4}}, {{"eps", 0.0}}, 1, 0};
  auto b = op.allocate(c);
  // mean 2.5, biased variance 1.25, 1/sqrt(1.25) = 0.894427190999916
  const double x[] = {1, 2, 3, 4}, gamma[] = {1, 2, 0.5, 1}, beta[] = {0, 1, -1, 0.5};
  for (int j = 0; j < 4; ++j) {
    b[0].set(j, x[j]);
    b[1].set(j, gamma[j]);
    b[2].set(j, beta[j]);
  }
  auto y = op.reference(c, b)[0];
  EXPECT_NEAR(y[0], -1.3416407864998738, 1e-14);
  EXPECT_NEAR(y[1], 0.1055728090000842, 1e-14);
  EXPECT_NEAR(y[2], -0.7763932022500210, 1e-14);
  EXPECT_NEAR(y[3], 1.8416407864998738, 1e-14);
}

TEST(LayerNorm, EpsIsAddedToTheVariance) {
  const auto& op = Registry::instance().get("layernorm");
  Case c{"layernorm", DType::f32, {{"rows", 1}, {"cols", 2}}, {{"eps", 1e-6}}, 1, 0};
  auto b = op.allocate(c);
  // x = {0, 2^-9}: deviations +-2^-10, variance 2^-20, comparable to eps.
  b[0].set(0, 0.0); b[0].set(1, 0x1.0p-9);
  for (int j = 0; j < 2; ++j) b[1].set(j, 1.0);
  auto y = op.reference(c, b)[0];
  EXPECT_NEAR(y[0], -0.6986729994369482, 1e-12);
  EXPECT_NEAR(y[1], 0.6986729994369482, 1e-12);
}

TEST(LayerNorm, OutputRowsHaveZeroMeanUnitVarianceWithIdentityAffine) {
  const auto& op = Registry::instance().get("layernorm");
  for (int test = 0; test < 3; ++test) {
    Case c{"layernorm", DType::f32, {{"rows", 3}, {"cols", 257}}, {{"eps", 1e-6}}, 7, test};
    auto b = op.allocate(c);
    op.generate(c, b);
    for (std::size_t j = 0; j < 257; ++j) {
      b[1].set(j, 1.0);
      b[2].set(j, 0.0);
    }
    auto y = op.reference(c, b)[0];
    for (int r = 0; r < 3; ++r) {
      if (constant_rows_test(c) && r == 1) {
        // A constant row (make_constant_rows) has no variance: y is beta, 0 here.
        for (int j = 0; j < 257; ++j) EXPECT_EQ(y[r * 257 + j], 0.0);
        continue;
      }
      double sum = 0, ss = 0;
      for (int j = 0; j < 257; ++j) sum += y[r * 257 + j];
      for (int j = 0; j < 257; ++j) ss += y[r * 257 + j] * y[r * 257 + j];
      EXPECT_NEAR(sum / 257, 0.0, 1e-12);
      // Tiny inputs (test 2) have variance 2.4e-4, which eps = 1e-6 shrinks by ~0.4%.
      EXPECT_NEAR(ss / 257, 1.0, test == 2 ? 1e-2 : 1e-5);
    }
  }
}

TEST(LayerNorm, GeneratorIsDeterministicPerSeed) {
  const auto& op = Registry::instance().get("layernorm");
  Case c{"layernorm", DType::f16, {{"rows", 2}, {"cols", 5}}, {{"eps", 1e-5}}, 42, 1};
  auto a = op.allocate(c), b = op.allocate(c);
  op.generate(c, a);
  op.generate(c, b);
  for (int k = 0; k < 3; ++k)
    for (std::size_t i = 0; i < a[k].numel(); ++i) EXPECT_EQ(a[k].bits(i), b[k].bits(i));
  c.seed = 43;
  auto d = op.allocate(c);
  op.generate(c, d);
  int same = 0;
  for (std::size_t i = 0; i < a[0].numel(); ++i) same += a[0].bits(i) == d[0].bits(i);
  EXPECT_LT(same, 3);
}
