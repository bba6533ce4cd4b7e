#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "op_checks.hpp"
#include "ops/registry.hpp"

using namespace foundry;

namespace {
const OpContract& pack() { return Registry::instance().get("moe_pack"); }
}  // namespace

TEST(MoePack, ReferenceMatchesHandWorkedCase) {
  // Slots 0..5 go to experts 1 3 | 0 1 | 3 1: expert 0 gets {2}, 1 gets {0,3,5},
  // 2 nothing, 3 gets {1,4}.
  Case c{"moe_pack", DType::f32, {{"tokens", 3}, {"experts", 4}, {"topk", 2}}, {}, 1, 0};
  auto b = pack().allocate(c);
  const int ids[] = {1, 3, 0, 1, 3, 1};
  for (int s = 0; s < 6; ++s) b[0].set(s, ids[s]);
  const auto ref = pack().reference(c, b);
  EXPECT_EQ(ref[0], (std::vector<double>{0, 1, 4, 4, 6}));
  EXPECT_EQ(ref[1], (std::vector<double>{2, 0, 3, 5, 1, 4}));
}

TEST(MoePack, OffsetsAndSlotsDescribeTheRouting) {
  for (const auto& s : pack().shapes(Regime::prefill)) {
    Case c{"moe_pack", DType::f32, s, {}, 6, 0};
    const int64_t tokens = s.at("tokens"), experts = s.at("experts"), topk = s.at("topk");
    auto b = pack().allocate(c);
    pack().generate(c, b);
    for (int64_t t = 0; t < tokens; ++t) {
      std::set<double> mine;
      for (int64_t j = 0; j < topk; ++j) mine.insert(b[0].get(t * topk + j));
      ASSERT_EQ(static_cast<int64_t>(mine.size()), topk) << "token " << t << " repeats an expert";
    }
    const auto ref = pack().reference(c, b);
    const auto& offsets = ref[0];
    const auto& slots = ref[1];
    EXPECT_EQ(offsets.front(), 0);
    EXPECT_EQ(offsets.back(), tokens * topk);
    int empty = 0;
    std::vector<int> counts(static_cast<std::size_t>(experts));
    for (int64_t e = 0; e < experts; ++e) {
      ASSERT_LE(offsets[e], offsets[e + 1]);
      empty += offsets[e] == offsets[e + 1];
      counts[e] = static_cast<int>(offsets[e + 1] - offsets[e]);
      for (auto i = static_cast<int64_t>(offsets[e]); i < offsets[e + 1]; ++i) {
        EXPECT_EQ(b[0].get(static_cast<std::size_t>(slots[i])), e);
        if (i > offsets[e]) EXPECT_LT(slots[i - 1], slots[i]);
      }
    }
    std::vector<double> sorted = slots;
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t i = 0; i < sorted.size(); ++i) ASSERT_EQ(sorted[i], static_cast<double>(i));
    EXPECT_GT(empty, 0) << "no empty expert";
    // Skew: the busiest expert gets well over its fair share.
    EXPECT_GT(*std::max_element(counts.begin(), counts.end()), 1.5 * tokens * topk / experts);
  }
}

TEST(MoePack, GeneratorIsDeterministicPerSeed) {
  op_checks::expect_deterministic(pack(), {"moe_pack", DType::f32, {{"tokens", 20}, {"experts", 16}, {"topk", 2}}, {}, 42, 0});
}

TEST(MoePack, ShapesFit) {
  op_checks::expect_shapes_fit(pack());
  for (Regime r : all_regimes())
    for (const auto& s : pack().shapes(r)) EXPECT_LE(s.at("topk"), s.at("experts"));
}
