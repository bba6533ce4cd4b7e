#include <gtest/gtest.h>

#include <set>

#include "op_checks.hpp"
#include "ops/registry.hpp"

using namespace foundry;

TEST(KvAppend, ReferenceMatchesHandWorkedCase) {
  const auto& op = Registry::instance().get("kv_append");
  Case c{"kv_append", DType::f32, {{"tokens", 2}, {"cache_slots", 3}, {"width", 2}}, {}, 1, 0};
  auto b = op.allocate(c);
  for (int i = 0; i < 4; ++i) {
    b[0].set(i, i + 1.0);  // k_new rows [1,2] [3,4]
    b[1].set(i, i + 5.0);  // v_new rows [5,6] [7,8]
  }
  b[2].set(0, 2);
  b[2].set(1, 0);
  for (int i = 0; i < 6; ++i) {
    b[3].set(i, 0.5);
    b[4].set(i, -0.5);
  }
  const auto ref = op.reference(c, b);
  EXPECT_EQ(ref[0], (std::vector<double>{3, 4, 0.5, 0.5, 1, 2}));
  EXPECT_EQ(ref[1], (std::vector<double>{7, 8, -0.5, -0.5, 5, 6}));
}

TEST(KvAppend, OnlyTheNewSlotsChange) {
  const auto& op = Registry::instance().get("kv_append");
  Case c{"kv_append", DType::bf16, {{"tokens", 7}, {"cache_slots", 31}, {"width", 5}}, {}, 4, 1};
  auto b = op.allocate(c);
  op.generate(c, b);
  const auto ref = op.reference(c, b);
  std::set<int> slots;
  for (int t = 0; t < 7; ++t) slots.insert(static_cast<int>(b[2].get(t)));
  ASSERT_EQ(slots.size(), 7u);
  for (int cache = 0; cache < 2; ++cache)
    for (int s = 0; s < 31; ++s)
      if (!slots.count(s))
        for (int j = 0; j < 5; ++j) EXPECT_EQ(ref[cache][s * 5 + j], b[3 + cache].get(s * 5 + j));
  for (int t = 0; t < 7; ++t) {
    const int s = static_cast<int>(b[2].get(t));
    for (int j = 0; j < 5; ++j) {
      EXPECT_EQ(ref[0][s * 5 + j], b[0].get(t * 5 + j));
      EXPECT_EQ(ref[1][s * 5 + j], b[1].get(t * 5 + j));
    }
  }
}

TEST(KvAppend, TrafficWritesOnlyTouchedRows) {
  const auto& op = Registry::instance().get("kv_append");
  Case c{"kv_append", DType::f16, {{"tokens", 2}, {"cache_slots", 4096}, {"width", 8}}, {}, 1, 0};
  EXPECT_EQ(op.traffic(c).bytes, 2 * (2 * 8 * 2) + 2 * 4 + 2 * (2 * 8 * 2));
}

TEST(KvAppend, GeneratorIsDeterministicPerSeed) {
  const auto& op = Registry::instance().get("kv_append");
  op_checks::expect_deterministic(op, {"kv_append", DType::f16, {{"tokens", 9}, {"cache_slots", 64}, {"width", 3}}, {}, 42, 2});
}

TEST(KvAppend, ShapesFit) {
  const auto& op = Registry::instance().get("kv_append");
  op_checks::expect_shapes_fit(op);
  for (Regime r : all_regimes())
    for (const auto& s : op.shapes(r)) EXPECT_LE(s.at("tokens"), s.at("cache_slots"));
}
