#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "op_checks.hpp"
#include "ops/registry.hpp"

using namespace foundry;

namespace {
const OpContract& gating() { return Registry::instance().get("moe_gating"); }
}  // namespace

TEST(MoeGating, ReferenceMatchesHandWorkedCase) {
  // softmax(0, 1, 2) = (0.0900306, 0.2447285, 0.6652410); the top two renormalised
  // are sigmoid(1) and 1 - sigmoid(1).
  Case c{"moe_gating", DType::f32, {{"tokens", 1}, {"experts", 3}, {"topk", 2}}, {{"renormalize", 0}}, 1, 0};
  auto b = gating().allocate(c);
  for (int e = 0; e < 3; ++e) b[0].set(e, e);
  auto ref = gating().reference(c, b);
  EXPECT_NEAR(ref[0][0], 0.6652409558, 1e-9);
  EXPECT_NEAR(ref[0][1], 0.2447284711, 1e-9);
  EXPECT_EQ(ref[1], (std::vector<double>{2, 1}));
  c.params["renormalize"] = 1;
  ref = gating().reference(c, b);
  EXPECT_NEAR(ref[0][0], 0.7310585786, 1e-9);
  EXPECT_NEAR(ref[0][1], 0.2689414214, 1e-9);
  EXPECT_EQ(ref[1], (std::vector<double>{2, 1}));
}

TEST(MoeGating, RenormalisedWeightsSumToOneOverDistinctExperts) {
  Case c{"moe_gating", DType::bf16, {{"tokens", 50}, {"experts", 64}, {"topk", 6}}, {{"renormalize", 1}}, 2, 0};
  auto b = gating().allocate(c);
  gating().generate(c, b);
  const auto ref = gating().reference(c, b);
  for (int t = 0; t < 50; ++t) {
    double sum = 0;
    std::set<double> ids;
    for (int j = 0; j < 6; ++j) {
      sum += ref[0][t * 6 + j];
      ids.insert(ref[1][t * 6 + j]);
      if (j > 0) EXPECT_GT(ref[0][t * 6 + j - 1], ref[0][t * 6 + j]);
    }
    EXPECT_NEAR(sum, 1.0, 1e-12);
    EXPECT_EQ(ids.size(), 6u);
  }
}

TEST(MoeGating, GeneratedLogitsAreDistinctAndFinite) {
  for (DType d : all_dtypes())
    for (int test = 0; test < 3; ++test) {
      Case c{"moe_gating", d, {{"tokens", 4}, {"experts", 128}, {"topk", 8}}, {{"renormalize", 0}}, 5, test};
      auto b = gating().allocate(c);
      gating().generate(c, b);
      for (int t = 0; t < 4; ++t) {
        std::set<double> row;
        for (int e = 0; e < 128; ++e) row.insert(b[0].get(t * 128 + e));
        EXPECT_EQ(row.size(), 128u);
        EXPECT_TRUE(std::isfinite(*row.begin()) && std::isfinite(*row.rbegin()));
      }
      const auto ref = gating().reference(c, b);
      for (double w : ref[0]) EXPECT_TRUE(std::isfinite(w));
    }
}

TEST(MoeGating, CompareAcceptsAnyOrderAmongTiesAndRejectsWrongWeights) {
  Case c{"moe_gating", DType::f32, {{"tokens", 1}, {"experts", 3}, {"topk", 1}}, {{"renormalize", 0}}, 1, 0};
  auto b = gating().allocate(c);
  b[0].set(0, 1.0);
  b[0].set(1, 1.0);
  b[0].set(2, 0.0);
  const auto ref = gating().reference(c, b);
  ASSERT_EQ(ref[1][0], 0);
  const double p = std::exp(1.0) / (2 * std::exp(1.0) + 1);
  b[1].set(0, p);
  b[2].set(0, 1);  // the other expert of the tie
  EXPECT_EQ(gating().compare(c, b, ref).status, Status::ok);
  b[2].set(0, 2);  // weight does not belong to expert 2
  EXPECT_EQ(gating().compare(c, b, ref).status, Status::mismatch);
  b[2].set(0, 0);
  b[1].set(0, p * 1.001);
  EXPECT_EQ(gating().compare(c, b, ref).status, Status::mismatch);
  b[1].set(0, p);
  b[2].fill_bits(poison_bits(Elem::i32));
  EXPECT_EQ(gating().compare(c, b, ref).status, Status::unwritten);
}

TEST(MoeGating, GeneratorIsDeterministicPerSeed) {
  op_checks::expect_deterministic(gating(), {"moe_gating", DType::bf16, {{"tokens", 5}, {"experts", 33}, {"topk", 3}}, {{"renormalize", 1}}, 42, 1});
}

TEST(MoeGating, ShapesFit) {
  op_checks::expect_shapes_fit(gating());
  for (Regime r : all_regimes())
    for (const auto& s : gating().shapes(r)) EXPECT_LE(s.at("topk"), s.at("experts"));
}
