#include <gtest/gtest.h>

#include <cmath>

#include "ops/registry.hpp"

using namespace foundry;

TEST(Rope, ReferenceMatchesHandWorkedCase) {
  const auto& op = Registry::instance().get("rope");
  Case c{"rope", DType::f32, {{"tokens", 2}, {"heads", 1}, {"head_dim", 4}}, {{"theta", 10000}}, 1, 0};
  auto b = op.allocate(c);
  for (int i = 0; i < 8; ++i) b[0].set(i, i + 1);
  b[1].set(0, 1);  // angles 1 and 10000^(-1/2) = 0.01
  b[1].set(1, 0);
  auto y = op.reference(c, b)[0];
  EXPECT_NEAR(y[0], -1.9841106485555498, 1e-14);  // 1 cos 1 - 3 sin 1
  EXPECT_NEAR(y[1], 1.9599006674966639, 1e-14);   // 2 cos .01 - 4 sin .01
  EXPECT_NEAR(y[2], 2.4623779024123157, 1e-14);   // 3 cos 1 + 1 sin 1
  EXPECT_NEAR(y[3], 4.0197996683349944, 1e-14);   // 4 cos .01 + 2 sin .01
  for (int i = 4; i < 8; ++i) EXPECT_EQ(y[i], i + 1);  // position 0 is the identity
}

TEST(Rope, EveryShapeHasEvenHeadDim) {
  const auto& op = Registry::instance().get("rope");
  for (Regime r : all_regimes())
    for (const Shape& s : op.shapes(r)) EXPECT_EQ(s.at("head_dim") % 2, 0);
}

TEST(Rope, PreservesPairNormsForGeneratedData) {
  const auto& op = Registry::instance().get("rope");
  Case c{"rope", DType::f32, {{"tokens", 33}, {"heads", 5}, {"head_dim", 66}}, {{"theta", 500000}}, 11, 1};
  auto b = op.allocate(c);
  op.generate(c, b);
  for (std::size_t t = 0; t < b[1].numel(); ++t) {
    EXPECT_GE(b[1].get(t), 0);
    EXPECT_LT(b[1].get(t), 8192);
  }
  auto y = op.reference(c, b)[0];
  for (std::size_t v = 0; v < y.size(); v += 66)
    for (std::size_t i = 0; i < 33; ++i) {
      const double in = std::hypot(b[0].get(v + i), b[0].get(v + i + 33));
      EXPECT_NEAR(std::hypot(y[v + i], y[v + i + 33]), in, 1e-12 * in);
    }
}

namespace {
// Writes the reference turned by `angle` within every (i, i+half) pair into y.
void write_rotated(HostBuffer& y, const std::vector<double>& ref, std::size_t head_dim, double angle) {
  const std::size_t half = head_dim / 2;
  for (std::size_t v = 0; v < ref.size(); v += head_dim)
    for (std::size_t i = 0; i < half; ++i) {
      const double lo = ref[v + i], hi = ref[v + i + half];
      y.set(v + i, lo * std::cos(angle) - hi * std::sin(angle));
      y.set(v + i + half, hi * std::cos(angle) + lo * std::sin(angle));
    }
}
}  // namespace

TEST(Rope, CompareAllowsAngleErrorRelativeToPairNorm) {
  const auto& op = Registry::instance().get("rope");
  Case c{"rope", DType::f32, {{"tokens", 32}, {"heads", 8}, {"head_dim", 64}}, {{"theta", 10000}}, 3, 1};
  auto b = op.allocate(c);
  op.generate(c, b);
  const auto ref = op.reference(c, b);
  const int yi = op.buffer_index("y");

  // A float kernel's angle error: fine against the pair norm ...
  write_rotated(b[yi], ref[0], 64, 1e-3);
  EXPECT_EQ(op.compare(c, b, ref).status, Status::ok);
  // ... though a plain elementwise bound rejects it for components near zero.
  CheckResult plain;
  compare_elementwise(b[yi], ref[0], op.tolerance(c.dtype, op.buffer("y")), plain);
  EXPECT_EQ(plain.status, Status::mismatch);

  write_rotated(b[yi], ref[0], 64, 1e-2);
  EXPECT_EQ(op.compare(c, b, ref).status, Status::mismatch);

  write_rotated(b[yi], ref[0], 64, 0);
  b[yi].set_bits(100, poison_bits(Elem::f32));
  auto r = op.compare(c, b, ref);
  EXPECT_EQ(r.status, Status::unwritten);
  EXPECT_EQ(r.mismatches, 1);
}

TEST(Rope, GeneratorIsDeterministicPerSeed) {
  const auto& op = Registry::instance().get("rope");
  Case c{"rope", DType::bf16, {{"tokens", 4}, {"heads", 2}, {"head_dim", 6}}, {{"theta", 10000}}, 42, 0};
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
