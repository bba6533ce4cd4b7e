#include "run/strategy_random.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace foundry;
namespace fs = std::filesystem;

namespace {

struct Fixture {
  std::vector<KernelTemplate> templates;
  std::unique_ptr<SearchSpace> space;
  explicit Fixture(std::vector<std::string> files) {
    for (const auto& f : files) templates.push_back(load_template(fs::path(FOUNDRY_TEST_DIR) / "fixtures" / f));
    std::vector<const KernelTemplate*> ptrs;
    for (const auto& t : templates) ptrs.push_back(&t);
    space = std::make_unique<SearchSpace>(ptrs);
  }
  StrategyContext ctx(Shape shape, uint64_t seed = 1, int first = 0) const {
    return StrategyContext{space.get(), std::move(shape), seed, "rmsnorm/case", first};
  }
};

const Shape kWide{{"rows", 8}, {"cols", 4096}};
const Shape kNarrow{{"rows", 33}, {"cols", 3}};

Fixture fake() {
  return Fixture({"fake_templates/rmsnorm/fake/plain.cpp", "fake_templates/rmsnorm/fake/tiled.cpp"});
}

std::vector<uint64_t> seqs(const std::vector<Proposal>& ps) {
  std::vector<uint64_t> s;
  for (const auto& p : ps) s.push_back(p.seq);
  return s;
}

}  // namespace

TEST(RandomStrategy, ProposesEveryValidPointOnceThenStops) {
  auto f = fake();
  RandomStrategy r(f.ctx(kNarrow));
  auto all = r.ask(100);
  ASSERT_EQ(all.size(), 6u) << "plain, and the 5 tiled points with A * B <= 3";
  std::set<Point> seen;
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].seq, i);
    EXPECT_TRUE(seen.insert(all[i].point).second) << "a point proposed twice";
    EXPECT_EQ(f.space->violated(all[i].point, kNarrow), "");
  }
  EXPECT_TRUE(r.ask(5).empty());
}

TEST(RandomStrategy, TemplatesTakeTurnsFromTheCasesFirstVariant) {
  auto f = fake();
  for (int first : {0, 1, 4}) {
    RandomStrategy r(f.ctx(kWide, 1, first));
    auto ps = r.ask(3);
    ASSERT_EQ(ps.size(), 3u);
    EXPECT_EQ(ps[0].point[0], first % 2);
    EXPECT_NE(ps[0].point[0], ps[1].point[0]);
    EXPECT_EQ(ps[2].point[0], 1) << "plain has one point; tiled takes the rest";
  }
}

TEST(RandomStrategy, DeterministicInSeedAndStream) {
  auto f = fake();
  RandomStrategy a(f.ctx(kWide)), b(f.ctx(kWide)), c(f.ctx(kWide, 2));
  auto pa = a.ask(25), pb = b.ask(25), pc = c.ask(25);
  ASSERT_EQ(pa.size(), 25u);
  for (std::size_t i = 0; i < pa.size(); ++i) EXPECT_EQ(pa[i].point, pb[i].point);
  bool differs = false;
  for (std::size_t i = 0; i < pa.size(); ++i) differs |= pa[i].point != pc[i].point;
  EXPECT_TRUE(differs) << "seed 2 gives another order";
}

TEST(RandomStrategy, SaveLoadAskGivesWhatAnUninterruptedSearchWould) {
  auto f = fake();
  RandomStrategy whole(f.ctx(kWide));
  auto expected = whole.ask(10);
  RandomStrategy first(f.ctx(kWide));
  auto head = first.ask(4);
  first.tell({{0, head[0].point, Status::ok, 12}, {1, head[1].point, Status::mismatch}});
  RandomStrategy second(f.ctx(kWide));
  second.load(first.save());
  auto tail = second.ask(6);
  ASSERT_EQ(tail.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(tail[i].seq, expected[4 + i].seq);
    EXPECT_EQ(tail[i].point, expected[4 + i].point);
  }
  EXPECT_THROW(second.load(nlohmann::json{{"nothing", 1}}), std::runtime_error);
}

TEST(RandomStrategy, ReplayedOutcomesAreSkippedAndTheGapsProposedFirst) {
  auto f = fake();
  RandomStrategy whole(f.ctx(kWide));
  auto expected = whole.ask(8);
  RandomStrategy replayed(f.ctx(kWide));
  replayed.tell({{0, expected[0].point}, {2, expected[2].point}, {5, expected[5].point}});
  auto next = replayed.ask(5);
  EXPECT_EQ(seqs(next), (std::vector<uint64_t>{1, 3, 4, 6, 7}));
  for (const auto& p : next) EXPECT_EQ(p.point, expected[p.seq].point);
}

TEST(RandomStrategy, ATemplateWithNoValidPointProposesOneInvalidPoint) {
  Fixture f({"templates/rmsnorm/cpu/fault_constraint.cpp", "templates/rmsnorm/cpu/good_reference.cpp"});
  RandomStrategy r(f.ctx(kWide));
  auto all = r.ask(10);
  ASSERT_EQ(all.size(), 2u);
  int invalid = 0;
  for (const auto& p : all) invalid += !f.space->violated(p.point, kWide).empty();
  EXPECT_EQ(invalid, 1) << "the log must say why fault_constraint never ran";
}
