#include "run/case_search.hpp"

#include <gtest/gtest.h>

using namespace foundry;
namespace fs = std::filesystem;

namespace {
struct Fixture {
  KernelTemplate plain = load_template(fs::path(FOUNDRY_TEST_DIR) / "fixtures/fake_templates/rmsnorm/fake/plain.cpp");
  KernelTemplate tiled = load_template(fs::path(FOUNDRY_TEST_DIR) / "fixtures/fake_templates/rmsnorm/fake/tiled.cpp");
  SearchSpace space{{&plain, &tiled}};
  ScheduledCase sc(int budget) const {
    ScheduledCase c;
    c.spec.op = "rmsnorm";
    c.spec.shape = {{"rows", 8}, {"cols", 4096}};
    c.spec.key = "case";
    c.budget = budget;
    return c;
  }
  CaseSearch search(int budget) const { return CaseSearch(sc(budget), space, strategy_row("random"), 1); }
};

std::vector<Outcome> outcomes(const std::vector<Proposal>& ps) {
  std::vector<Outcome> o;
  for (const auto& p : ps) o.push_back({p.seq, p.point, Status::ok, 10.0 + p.seq});
  return o;
}
}  // namespace

TEST(CaseSearch, AsksUpToItsBudgetAndNoMore) {
  Fixture f;
  auto s = f.search(5);
  auto first = s.ask();
  EXPECT_EQ(first.size(), 5u);
  EXPECT_TRUE(s.ask().empty()) << "all five are in flight";
  s.tell(outcomes(first));
  EXPECT_EQ(s.told(), 5);
  EXPECT_TRUE(s.ask().empty());
}

TEST(CaseSearch, ProposalsInFlightAtAKillAreProposedAgainFirst) {
  Fixture f;
  auto whole = f.search(6);
  auto expected = whole.ask();
  auto s = f.search(6);
  auto asked = s.ask();
  const nlohmann::json saved = s.save();  // saved after the ask, as the coordinator does
  // Two were recorded before the kill: the log has them, the state does not.
  auto logged = outcomes({asked[0], asked[3]});
  auto resumed = f.search(6);
  EXPECT_TRUE(resumed.restore(saved, logged));
  EXPECT_EQ(resumed.told(), 2);
  auto again = resumed.ask();
  ASSERT_EQ(again.size(), 4u);
  for (const auto& p : again) {
    EXPECT_NE(p.seq, 0u);
    EXPECT_NE(p.seq, 3u);
    EXPECT_EQ(p.point, expected[p.seq].point);
  }
}

TEST(CaseSearch, AStateThatMissesALoggedOutcomeIsRebuiltFromTheLog) {
  Fixture f;
  auto s = f.search(6);
  auto asked = s.ask();
  s.tell(outcomes({asked[0], asked[1]}));
  const nlohmann::json old = s.save();
  s.tell(outcomes({asked[2]}));
  auto next = s.ask();  // nothing new: the budget is in flight
  EXPECT_TRUE(next.empty());
  // A new budget, and a log that holds seq 0..2 and 6 while the state knew of 0, 1 and in-flight 2..5.
  auto more = CaseSearch(f.sc(8), f.space, strategy_row("random"), 1);
  auto whole = more.ask();
  auto logged = outcomes({asked[0], asked[1], asked[2], whole[6]});
  auto rebuilt = CaseSearch(f.sc(8), f.space, strategy_row("random"), 1);
  EXPECT_FALSE(rebuilt.restore(old, logged));
  EXPECT_EQ(rebuilt.told(), 4);
  auto rest = rebuilt.ask();
  std::vector<uint64_t> got;
  for (const auto& p : rest) {
    got.push_back(p.seq);
    EXPECT_EQ(p.point, whole[p.seq].point);
  }
  EXPECT_EQ(got, (std::vector<uint64_t>{3, 4, 5, 7}));
  EXPECT_FALSE(rebuilt.restore(nlohmann::json{{"state", "garbage"}, {"told", {}}, {"pending", {}}}, logged));
}
