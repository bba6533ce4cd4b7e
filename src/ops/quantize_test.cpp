#include <gtest/gtest.h>

#include <cmath>

#include "ops/registry.hpp"

using namespace foundry;

TEST(Quantize, ReferenceMatchesHandWorkedCase) {
  const auto& op = Registry::instance().get("quantize");
  Case c{"quantize", DType::f32, {{"rows", 3}, {"cols", 4}}, {}, 1, 0};
  auto b = op.allocate(c);
  // Row 0: absmax 127, scale 1. Row 1: absmax 254, scale 2. Row 2: all zero.
  const double x[] = {127, -2.5, -126.5, 0.49, -254, 3, 5, 1, 0, 0, 0, 0};
  for (int i = 0; i < 12; ++i) b[0].set(i, x[i]);
  auto ref = op.reference(c, b);
  const double q[] = {127, -3, -127, 0, -127, 2, 3, 1, 0, 0, 0, 0};  // ties round away from zero
  for (int i = 0; i < 12; ++i) EXPECT_EQ(ref[0][i], q[i]) << i;
  EXPECT_EQ(ref[1][0], 1.0);
  EXPECT_EQ(ref[1][1], 2.0);
  EXPECT_EQ(ref[1][2], 0.0);
}

TEST(Quantize, TinyVariantHasAZeroRow) {
  const auto& op = Registry::instance().get("quantize");
  Case c{"quantize", DType::f16, {{"rows", 7}, {"cols", 1031}}, {}, 4, 2};
  auto b = op.allocate(c);
  op.generate(c, b);
  auto ref = op.reference(c, b);
  EXPECT_EQ(ref[1][6], 0.0);
  for (int r = 0; r < 6; ++r) EXPECT_GT(ref[1][r], 0.0);
  for (int j = 0; j < 1031; ++j) EXPECT_EQ(ref[0][6 * 1031 + j], 0.0);
}

TEST(Quantize, RoundTripThroughDequantizeIsWithinHalfAScale) {
  const auto& quant = Registry::instance().get("quantize");
  const auto& dequant = Registry::instance().get("dequantize");
  const int64_t rows = 7, cols = 1031;
  for (DType d : {DType::f32, DType::bf16})
    for (int test = 0; test < 3; ++test) {
      Case cq{"quantize", d, {{"rows", rows}, {"cols", cols}}, {}, 21, test};
      auto bq = quant.allocate(cq);
      quant.generate(cq, bq);
      const auto qs = quant.reference(cq, bq);
      // Dequantise in f32 so the output dtype adds no rounding of its own.
      Case cd{"dequantize", DType::f32, cq.shape, {}, 0, 0};
      auto bd = dequant.allocate(cd);
      for (std::size_t i = 0; i < bd[0].numel(); ++i) bd[0].set(i, qs[0][i]);
      for (std::size_t r = 0; r < bd[1].numel(); ++r) bd[1].set(r, qs[1][r]);
      const auto y = dequant.reference(cd, bd)[0];
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < cols; ++j) {
          const double x = bq[0].get(r * cols + j);
          ASSERT_LE(std::fabs(y[r * cols + j] - x), qs[1][r] / 2 * (1 + 1e-12)) << r << "," << j;
        }
    }
}

TEST(Quantize, QIsExactExceptOneStepAtAHalfTieAndScaleWithinOneUlp) {
  const auto& op = Registry::instance().get("quantize");
  Case c{"quantize", DType::f32, {{"rows", 4}, {"cols", 16}}, {}, 2, 0};
  auto b = op.allocate(c);
  op.generate(c, b);
  // Put x[3] (row 0) on a .5 tie of its row's scale: 2.5 * scale.
  auto ref = op.reference(c, b);
  b[0].set(3, 2.5 * ref[1][0]);
  ref = op.reference(c, b);
  ASSERT_EQ(ref[0][3], 3.0);  // half away from zero
  HostBuffer &q = b[1], &scale = b[2];
  auto write = [&] {
    for (std::size_t i = 0; i < q.numel(); ++i) q.set(i, ref[0][i]);
    for (std::size_t r = 0; r < scale.numel(); ++r) scale.set(r, ref[1][r]);
  };
  write();
  EXPECT_EQ(op.compare(c, b, ref).status, Status::ok);
  q.set(3, 2.0);  // the tie decided the other way
  scale.set(1, std::nextafter(static_cast<float>(ref[1][1]), 1.0f));
  EXPECT_EQ(op.compare(c, b, ref).status, Status::ok);
  q.set(3, 1.0);
  EXPECT_EQ(op.compare(c, b, ref).status, Status::mismatch);
  write();
  q.set(5, ref[0][5] + (ref[0][5] > 0 ? -1 : 1));  // off by one away from a tie: truncation
  EXPECT_EQ(op.compare(c, b, ref).status, Status::mismatch);
  write();
  scale.set(1, ref[1][1] * (1 + 1e-5));
  EXPECT_EQ(op.compare(c, b, ref).status, Status::mismatch);
}

TEST(Quantize, TrafficCountsEveryBufferOnce) {
  const auto& op = Registry::instance().get("quantize");
  Case c{"quantize", DType::f16, {{"rows", 8}, {"cols", 100}}, {}, 1, 0};
  EXPECT_EQ(op.traffic(c).bytes, 8 * 100 * 2 + 8 * 100 * 1 + 8 * 4);
}

TEST(Quantize, GeneratorIsDeterministicPerSeed) {
  const auto& op = Registry::instance().get("quantize");
  Case c{"quantize", DType::bf16, {{"rows", 2}, {"cols", 5}}, {}, 42, 1};
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
