#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "ops/registry.hpp"

using namespace foundry;

TEST(Softmax, ReferenceMatchesHandWorkedCase) {
  const auto& op = Registry::instance().get("softmax");
  Case c{"softmax", DType::f32, {{"rows", 3}, {"cols", 3}}, {}, 1, 0};
  auto b = op.allocate(c);
  // Row 0: e^k / (1 + e + e^2). Rows 1, 2: inputs far beyond exp's float range.
  const double x[] = {0, 1, 2, 1000, 1000, 1000, 10000, 9999, -10000};
  for (int i = 0; i < 9; ++i) b[0].set(i, x[i]);
  auto y = op.reference(c, b)[0];
  EXPECT_NEAR(y[0], 0.09003057317038046, 1e-15);
  EXPECT_NEAR(y[1], 0.24472847105479765, 1e-15);
  EXPECT_NEAR(y[2], 0.66524095577482189, 1e-15);
  for (int j = 3; j < 6; ++j) EXPECT_NEAR(y[j], 1.0 / 3.0, 1e-15);
  EXPECT_NEAR(y[6], 0.7310585786300049, 1e-15);  // 1 / (1 + e^-1)
  EXPECT_NEAR(y[7], 0.2689414213699951, 1e-15);
  EXPECT_EQ(y[8], 0.0);
}

TEST(Softmax, RowsSumToOneAndStayFiniteForHugeInputs) {
  const auto& op = Registry::instance().get("softmax");
  for (int test = 0; test < 3; ++test) {
    Case c{"softmax", DType::bf16, {{"rows", 7}, {"cols", 1031}}, {}, 5, test};
    auto b = op.allocate(c);
    op.generate(c, b);
    double xmax = -INFINITY;
    for (std::size_t i = 0; i < b[0].numel(); ++i) xmax = std::max(xmax, b[0].get(i));
    if (test == 1) EXPECT_GT(xmax, 89.0);  // exp(x) overflows float without the max shift
    auto y = op.reference(c, b)[0];
    for (int r = 0; r < 7; ++r) {
      double sum = 0;
      for (int j = 0; j < 1031; ++j) {
        ASSERT_TRUE(std::isfinite(y[r * 1031 + j]));
        sum += y[r * 1031 + j];
      }
      EXPECT_NEAR(sum, 1.0, 1e-12);
    }
  }
}

TEST(Softmax, DefaultCompareFlagsWrongAndUnwrittenOutputs) {
  const auto& op = Registry::instance().get("softmax");
  Case c{"softmax", DType::f16, {{"rows", 4}, {"cols", 33}}, {}, 9, 0};
  auto b = op.allocate(c);
  op.generate(c, b);
  const auto ref = op.reference(c, b);
  HostBuffer& y = b[1];
  for (std::size_t i = 0; i < y.numel(); ++i) y.set(i, ref[0][i]);
  EXPECT_EQ(op.compare(c, b, ref).status, Status::ok);

  y.set(5, ref[0][5] + 0.05);
  auto wrong = op.compare(c, b, ref);
  EXPECT_EQ(wrong.status, Status::mismatch);
  EXPECT_EQ(wrong.mismatches, 1);

  y.set(5, ref[0][5]);
  y.set_bits(40, poison_bits(Elem::f16));
  auto unwritten = op.compare(c, b, ref);
  EXPECT_EQ(unwritten.status, Status::unwritten);
  EXPECT_EQ(unwritten.mismatches, 1);
}

TEST(Softmax, GeneratorIsDeterministicPerSeed) {
  const auto& op = Registry::instance().get("softmax");
  Case c{"softmax", DType::f32, {{"rows", 2}, {"cols", 5}}, {}, 42, 2};
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

TEST(SoftmaxCompare, AllZeroOutputFailsEvenWhereTrueValuesAreBelowTheDtypeTolerance) {
  // Softmax over 4096 columns gives values near 2.4e-4, far below bf16's
  // 1.6e-2: a fixed absolute tolerance would accept zeros.
  const auto& op = Registry::instance().get("softmax");
  Case c{"softmax", DType::bf16, {{"rows", 2}, {"cols", 4096}}, {}, 3, 0};
  auto b = op.allocate(c);
  op.generate(c, b);
  auto ref = op.reference(c, b);
  for (std::size_t i = 0; i < b[1].numel(); ++i) b[1].set(i, 0.0);
  EXPECT_EQ(op.compare(c, b, ref).status, Status::mismatch);
  for (std::size_t i = 0; i < b[1].numel(); ++i) b[1].set(i, ref[0][i]);
  EXPECT_EQ(op.compare(c, b, ref).status, Status::ok);
}
