#include <gtest/gtest.h>

#include <algorithm>

#include "op_checks.hpp"
#include "ops/registry.hpp"

using namespace foundry;

namespace {
const OpContract& dispatch() { return Registry::instance().get("moe_dispatch"); }
}  // namespace

TEST(MoeDispatch, ReferenceMatchesHandWorkedCase) {
  // Slots 3 0 2 1 belong to tokens 1 0 1 0.
  Case c{"moe_dispatch", DType::f32, {{"tokens", 2}, {"hidden", 2}, {"topk", 2}}, {}, 1, 0};
  auto b = dispatch().allocate(c);
  for (int i = 0; i < 4; ++i) b[0].set(i, i + 1.0);  // x rows [1,2] [3,4]
  const int slots[] = {3, 0, 2, 1};
  for (int i = 0; i < 4; ++i) b[1].set(i, slots[i]);
  EXPECT_EQ(dispatch().reference(c, b)[0], (std::vector<double>{3, 4, 1, 2, 3, 4, 1, 2}));
}

TEST(MoeDispatch, SortedSlotsArePermutations) {
  for (const auto& s : dispatch().shapes(Regime::odd)) {
    Case c{"moe_dispatch", DType::bf16, s, {}, 2, 0};
    auto b = dispatch().allocate(c);
    dispatch().generate(c, b);
    std::vector<double> slots(b[1].numel());
    for (std::size_t i = 0; i < slots.size(); ++i) slots[i] = b[1].get(i);
    std::sort(slots.begin(), slots.end());
    for (std::size_t i = 0; i < slots.size(); ++i) ASSERT_EQ(slots[i], static_cast<double>(i));
  }
}

TEST(MoeDispatch, GeneratorIsDeterministicPerSeed) {
  op_checks::expect_deterministic(dispatch(), {"moe_dispatch", DType::f16, {{"tokens", 30}, {"hidden", 4}, {"topk", 2}}, {}, 42, 1});
}

TEST(MoeDispatch, ShapesFit) { op_checks::expect_shapes_fit(dispatch()); }
