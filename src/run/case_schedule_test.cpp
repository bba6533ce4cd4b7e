#include "run/case_schedule.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "fakes/fake_backend.hpp"
#include "ops/registry.hpp"

using namespace foundry;

namespace {
const foundry_test::FakeBackend& backend() {
  static foundry_test::FakeBackend b(std::make_shared<foundry_test::FakeBuilds>());
  return b;
}
}  // namespace

TEST(CaseSchedule, EveryDtypeShapeAndParamCombinationOnce) {
  const OpContract& op = Registry::instance().get("dropout");  // params p (3 values) x seed (4 values)
  auto cases = schedule_cases(op, backend(), {Regime::decode}, {DType::f32, DType::bf16}, 1, Budget{});
  EXPECT_EQ(cases.size(), 2 * op.shapes(Regime::decode).size() * 3 * 4);
  std::set<std::string> keys;
  for (const auto& c : cases) {
    EXPECT_TRUE(keys.insert(c.spec.key).second);
    EXPECT_EQ(c.spec.params.size(), 2u);
    EXPECT_EQ(c.spec.regime, Regime::decode);
  }
}

TEST(CaseSchedule, APerOpBudgetGoesRoundRobinAndAPerCaseBudgetToEveryCase) {
  const OpContract& op = Registry::instance().get("rmsnorm");
  auto cases = schedule_cases(op, backend(), all_regimes(), all_dtypes(), 7, Budget{45, 0});
  ASSERT_EQ(cases.size(), 3u * 7 * 2);
  int total = 0;
  for (const auto& c : cases) {
    EXPECT_EQ(c.first, total) << "the op-wide number of its first variant";
    total += c.budget;
    EXPECT_EQ(c.budget, c.position < 3 ? 2 : 1) << "45 over 42 cases";
  }
  EXPECT_EQ(total, 45);
  for (const auto& c : schedule_cases(op, backend(), all_regimes(), all_dtypes(), 7, Budget{8, 3})) EXPECT_EQ(c.budget, 3);
}

TEST(CaseSchedule, TheOrderIsDeterministicInSeedAndSkipsDtypesTheOpLacks) {
  const OpContract& op = Registry::instance().get("rmsnorm");
  auto a = schedule_cases(op, backend(), all_regimes(), all_dtypes(), 1, Budget{});
  auto b = schedule_cases(op, backend(), all_regimes(), all_dtypes(), 1, Budget{});
  auto c = schedule_cases(op, backend(), all_regimes(), all_dtypes(), 2, Budget{});
  std::vector<std::string> ka, kb, kc;
  for (const auto& x : a) ka.push_back(x.spec.key);
  for (const auto& x : b) kb.push_back(x.spec.key);
  for (const auto& x : c) kc.push_back(x.spec.key);
  EXPECT_EQ(ka, kb);
  EXPECT_NE(ka, kc);
  for (const auto& o : Registry::instance().ops()) {
    if (o->dtypes.size() == all_dtypes().size()) continue;
    for (const auto& x : schedule_cases(*o, backend(), all_regimes(), all_dtypes(), 1, Budget{}))
      EXPECT_NE(std::find(o->dtypes.begin(), o->dtypes.end(), x.spec.dtype), o->dtypes.end()) << o->name;
  }
}

TEST(CaseSchedule, AFilterKeepsOnlyTheCasesWithItsShapeAndParamValues) {
  const OpContract& op = Registry::instance().get("rmsnorm");
  CaseFilter f;
  f.shape = {{"rows", 8}};
  f.params = {{"eps", 1e-5}};
  auto cases = schedule_cases(op, backend(), all_regimes(), {DType::f32}, 1, Budget{10, 0}, f);
  ASSERT_EQ(cases.size(), 1u);
  EXPECT_EQ(cases[0].spec.shape.at("rows"), 8);
  EXPECT_EQ(cases[0].budget, 10) << "the whole per-op budget goes to the cases kept";
  f.shape = {{"rows", 5}};
  EXPECT_TRUE(schedule_cases(op, backend(), all_regimes(), {DType::f32}, 1, Budget{}, f).empty());
}
