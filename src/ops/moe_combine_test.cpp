#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "op_checks.hpp"
#include "ops/registry.hpp"

using namespace foundry;

namespace {
const OpContract& combine() { return Registry::instance().get("moe_combine"); }
}  // namespace

TEST(MoeCombine, ReferenceMatchesHandWorkedCase) {
  // out[0] = 0.75*y[2] + 0.25*y[0] = 25; out[1] = 0.5*y[3] + 0.5*y[1] = 30.
  Case c{"moe_combine", DType::f32, {{"tokens", 2}, {"hidden", 1}, {"topk", 2}}, {}, 1, 0};
  auto b = combine().allocate(c);
  const double y[] = {10, 20, 30, 40}, rows[] = {2, 0, 3, 1}, w[] = {0.75, 0.25, 0.5, 0.5};
  for (int i = 0; i < 4; ++i) {
    b[0].set(i, y[i]);
    b[1].set(i, rows[i]);
    b[2].set(i, w[i]);
  }
  EXPECT_EQ(combine().reference(c, b)[0], (std::vector<double>{25, 30}));
}

TEST(MoeCombine, DispatchThenCombineGivesXBack) {
  const auto& dispatch = Registry::instance().get("moe_dispatch");
  const Shape shape{{"tokens", 40}, {"hidden", 6}, {"topk", 3}};
  Case dc{"moe_dispatch", DType::f32, shape, {}, 5, 0};
  auto db = dispatch.allocate(dc);
  dispatch.generate(dc, db);
  const auto x_sorted = dispatch.reference(dc, db)[0];

  Case cc{"moe_combine", DType::f32, shape, {}, 5, 0};
  auto cb = combine().allocate(cc);
  combine().generate(cc, cb);  // for its weights
  for (std::size_t i = 0; i < x_sorted.size(); ++i) cb[0].set(i, x_sorted[i]);
  for (std::size_t i = 0; i < db[1].numel(); ++i) cb[1].set(static_cast<std::size_t>(db[1].get(i)), static_cast<double>(i));
  const auto out = combine().reference(cc, cb)[0];
  for (std::size_t i = 0; i < out.size(); ++i) EXPECT_NEAR(out[i], db[0].get(i), 1e-6 * std::fabs(db[0].get(i)));
}

TEST(MoeCombine, GeneratedRoutingIsValid) {
  Case c{"moe_combine", DType::bf16, {{"tokens", 129}, {"hidden", 2}, {"topk", 7}}, {}, 3, 0};
  auto b = combine().allocate(c);
  combine().generate(c, b);
  std::vector<double> rows(b[1].numel());
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = b[1].get(i);
  std::sort(rows.begin(), rows.end());
  for (std::size_t i = 0; i < rows.size(); ++i) ASSERT_EQ(rows[i], static_cast<double>(i));
  for (int t = 0; t < 129; ++t) {
    double sum = 0;
    for (int j = 0; j < 7; ++j) {
      EXPECT_GT(b[2].get(t * 7 + j), 0);
      sum += b[2].get(t * 7 + j);
    }
    EXPECT_NEAR(sum, 1.0, 1e-6);
  }
}

TEST(MoeCombine, ToleranceFollowsTheDataScale) {
  // At magnitude 64 a correctly rounded f32 result passes even where the output
  // is near zero; an error of 1e-3 of the typical output does not.
  Case c{"moe_combine", DType::f32, {{"tokens", 64}, {"hidden", 64}, {"topk", 8}}, {}, 7, 1};
  auto b = combine().allocate(c);
  combine().generate(c, b);
  const auto ref = combine().reference(c, b);
  for (std::size_t i = 0; i < ref[0].size(); ++i) b[3].set(i, ref[0][i]);
  EXPECT_EQ(combine().compare(c, b, ref).status, Status::ok);
  b[3].set(0, ref[0][0] + 1e-3 * 64);
  EXPECT_EQ(combine().compare(c, b, ref).status, Status::mismatch);
}

TEST(MoeCombine, GeneratorIsDeterministicPerSeed) {
  op_checks::expect_deterministic(combine(), {"moe_combine", DType::bf16, {{"tokens", 30}, {"hidden", 4}, {"topk", 2}}, {}, 42, 2});
}

TEST(MoeCombine, ShapesFit) { op_checks::expect_shapes_fit(combine()); }
