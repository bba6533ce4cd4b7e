// What every strategy of the table promises (strategy.hpp): proposals that
// depend only on the seed and the outcomes in seq order, never a point twice,
// nothing once the space is exhausted, and a state that saves, loads and is
// rebuilt from the log into the search an uninterrupted run would make.
#include "run/strategy.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "run/strategy_coverage.hpp"
#include "run/strategy_generations.hpp"
#include "strategy_helpers.hpp"

using namespace foundry;
using namespace foundry_test;

namespace {

class StrategyContract : public ::testing::TestWithParam<std::string> {};

std::string param_name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

}  // namespace

TEST_P(StrategyContract, SameSeedSameProposalsAnotherSeedOthers) {
  auto f = search_space();
  auto a = f.make(GetParam(), kWide, 1), b = f.make(GetParam(), kWide, 1), c = f.make(GetParam(), kWide, 2);
  const auto ta = drive(a, bowl, 60), tb = drive(b, bowl, 60), tc = drive(c, bowl, 60);
  ASSERT_EQ(ta.by_seq.size(), 60u);
  EXPECT_EQ(ta.by_seq, tb.by_seq);
  EXPECT_NE(ta.by_seq, tc.by_seq) << "seed 2 searches otherwise";
}

TEST_P(StrategyContract, ProposalsDoNotDependOnHowAsksAndTellsAreGrouped) {
  auto f = search_space();
  auto whole = f.make(GetParam(), kWide);
  const auto expected = drive(whole, bowl, 70);
  for (Drive how : {Drive{1, 1}, Drive{3, 2, true}, Drive{5, 1000, true}, Drive{1000, 3}}) {
    auto s = f.make(GetParam(), kWide);
    EXPECT_EQ(drive(s, bowl, 70, how).by_seq, expected.by_seq) << "ask " << how.ask << ", tell " << how.tell;
  }
}

TEST_P(StrategyContract, NeverProposesAPointTwiceAndStopsOnceTheSpaceIsExhausted) {
  auto f = search_space();
  auto s = f.make(GetParam(), kWide);
  const auto t = drive(s, bowl, 10000, Drive{7, 5});
  EXPECT_TRUE(t.exhausted);
  const std::set<Point> distinct(t.in_order.begin(), t.in_order.end());
  EXPECT_EQ(distinct.size(), t.in_order.size()) << "a point proposed twice";
  EXPECT_EQ(distinct.size(), f.valid_points(kWide)) << "every valid point, once";
  EXPECT_TRUE(s->ask(10).empty());

  auto tiny = fake_space();  // at cols = 3: plain and the 5 tiled points with A * B <= 3
  auto r = tiny.make(GetParam(), kNarrow);
  const auto tt = drive(r, bowl, 10000);
  EXPECT_TRUE(tt.exhausted);
  ASSERT_EQ(tt.in_order.size(), 6u);
  for (const auto& p : tt.in_order) EXPECT_EQ(tiny.space->violated(p, kNarrow), "");
  EXPECT_TRUE(r->ask(5).empty());
}

TEST_P(StrategyContract, ATemplateWithNoValidPointProposesOneInvalidPoint) {
  SpaceFixture f({"templates/rmsnorm/cpu/fault_constraint.cpp", "templates/rmsnorm/cpu/good_reference.cpp"});
  auto s = f.make(GetParam(), kWide);
  const auto t = drive(s, [](const Point&) { return std::pair{Status::ok, 10.0}; }, 100);
  ASSERT_EQ(t.in_order.size(), 2u);
  int invalid = 0;
  for (const auto& p : t.in_order) invalid += !f.space->violated(p, kWide).empty();
  EXPECT_EQ(invalid, 1) << "the log must say why fault_constraint never ran";
}

TEST_P(StrategyContract, SaveLoadAskGivesWhatAnUninterruptedSearchWould) {
  auto f = search_space();
  auto whole = f.make(GetParam(), kWide);
  const auto expected = drive(whole, bowl, 90, Drive{5, 3});
  auto s = f.make(GetParam(), kWide);
  Drive how{5, 3};
  int reloads = 0;
  how.after_ask = [&](std::unique_ptr<Strategy>& cur, int asks) {
    if (asks % 4 != 1) return;
    // Through text, as the state file holds it.
    const auto state = nlohmann::json::parse(cur->save().dump());
    cur = f.make(GetParam(), kWide);
    cur->load(state);
    ++reloads;
  };
  EXPECT_EQ(drive(s, bowl, 90, how).by_seq, expected.by_seq);
  EXPECT_GT(reloads, 5);
}

TEST_P(StrategyContract, ReplayedOutcomesGiveWhatAnUninterruptedSearchWould) {
  auto f = search_space();
  auto whole = f.make(GetParam(), kWide);
  const auto expected = drive(whole, bowl, 80);
  // The log of a run killed after m proposals, some of the last ones lost in flight.
  for (std::size_t m : {1, 9, 21, 40, 57}) {
    std::map<uint64_t, Point> told;
    std::vector<Outcome> log;
    for (const auto& [seq, p] : expected.by_seq)
      if (seq < m && seq + 1 != m && seq + 3 != m) {
        told[seq] = p;
        log.push_back(outcome_of(Proposal{seq, p}, bowl));
      }
    std::reverse(log.begin(), log.end());  // in any order
    auto s = f.make(GetParam(), kWide);
    s->tell(log);
    EXPECT_EQ(drive(s, bowl, 80, {}, told).by_seq, expected.by_seq) << "killed after " << m;
  }
}

TEST_P(StrategyContract, AnOutcomeOfASeqNeverAskedIsNeverProposedAgain) {
  auto f = search_space();
  auto s = f.make(GetParam(), kWide);
  const Point far{1, 4};
  s->tell({outcome_of(Proposal{50, far}, bowl)});
  const auto t = drive(s, bowl, 60, {}, {{50, far}});  // the driver fails on a seq proposed twice
  EXPECT_EQ(t.by_seq.size(), 60u);
}

TEST_P(StrategyContract, LoadRefusesAStateThatIsNotItsOwn) {
  auto f = search_space();
  for (const auto& other : strategy_names()) {
    if (other == GetParam()) continue;
    auto mine = f.make(GetParam(), kWide);
    auto theirs = f.make(other, kWide);
    theirs->ask(3);
    EXPECT_THROW(mine->load(theirs->save()), std::runtime_error) << other;
  }
  auto mine = f.make(GetParam(), kWide);
  EXPECT_THROW(mine->load(nlohmann::json{{"nothing", 1}}), std::runtime_error);
  EXPECT_THROW(mine->load(nlohmann::json("garbage")), std::runtime_error);
}

INSTANTIATE_TEST_SUITE_P(EveryStrategy, StrategyContract, ::testing::ValuesIn(strategy_names()), param_name);

TEST(StrategyTable, NamesEveryStrategyOnceAndRefusesUnknownOnes) {
  const auto names = strategy_names();
  EXPECT_EQ(names, (std::vector<std::string>{"random", "coverage", "mutation", "cem", "anneal", "mix"}));
  try {
    strategy_row("telepathy");
    ADD_FAILURE();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--mode telepathy: unknown strategy (random, coverage"), std::string::npos) << e.what();
  }
}

TEST(StrategyOptions, EachBadValueIsNamedWithItsFlag) {
  auto bad = [](auto set, const std::string& needle) {
    StrategyOptions o;
    set(o);
    try {
      check_strategy_options(o);
      ADD_FAILURE() << "accepted: " << needle;
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()), needle);
    }
  };
  EXPECT_NO_THROW(check_strategy_options(StrategyOptions{}));
  bad([](StrategyOptions& o) { o.cem_elite = 1.5; }, "--cem-elite 1.5: must be in (0, 1)");
  bad([](StrategyOptions& o) { o.cem_elite = 0; }, "--cem-elite 0: must be in (0, 1)");
  bad([](StrategyOptions& o) { o.cem_generation = 1; }, "--cem-generation 1: must be in 2..4096");
  bad([](StrategyOptions& o) { o.cem_smoothing = 0; }, "--cem-smoothing 0: must be in (0, 1]");
  bad([](StrategyOptions& o) { o.cem_floor = 0.5; }, "--cem-floor 0.5: must be in [0, 0.5)");
  bad([](StrategyOptions& o) { o.cem_floor = -0.1; }, "--cem-floor -0.1: must be in [0, 0.5)");
}

// Strategies that learn from costs: a failure, however fast it claims to
// be, is never one of the case's elites.
TEST(LearningStrategies, FailuresNeverBecomeElites) {
  auto f = search_space();
  for (const std::string name : {"mutation", "cem", "anneal", "mix"}) {
    auto s = f.make(name, kWide);
    drive(s, bowl, 120, Drive{1000, 1000, false, true});
    const auto* g = dynamic_cast<const GenerationalStrategy*>(s.get());
    ASSERT_NE(g, nullptr);
    const auto elites = g->log().elites(1000);
    EXPECT_GT(elites.size(), 50u) << name;
    for (const auto& e : elites) EXPECT_EQ(e.status, Status::ok) << name;
    EXPECT_EQ(g->log().best()->point, kBowlBest) << name << " found the best correct point";
  }
}

namespace {

// The best correct cost of a space under a cost function.
double best_cost(const SpaceFixture& f, const Shape& shape, const CostFn& cost) {
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t t = 0; t < f.space->templates(); ++t)
    for (std::size_t i = 0; i < f.space->size(t); ++i) {
      const Point p = f.space->at(t, i);
      if (!f.space->violated(p, shape).empty()) continue;
      auto [st, c] = cost(p);
      if (st == Status::ok) best = std::min(best, c);
    }
  return best;
}

// Evaluations until a correct point within `within` of the best was proposed.
std::size_t evaluations_within(const Trace& t, const CostFn& cost, double best, double within) {
  for (std::size_t i = 0; i < t.in_order.size(); ++i) {
    auto [st, c] = cost(t.in_order[i]);
    if (st == Status::ok && c <= best * (1 + within)) return i + 1;
  }
  return t.in_order.size() + 1;
}

// Evaluations until every template's coverable pairs are covered.
std::size_t evaluations_to_full_coverage(const SpaceFixture& f, const Shape& shape, const Trace& t) {
  ValidPoints valid(*f.space, shape);
  std::vector<TemplatePairs> pairs;
  for (std::size_t k = 0; k < f.space->templates(); ++k) pairs.emplace_back(valid, k);
  for (std::size_t i = 0; i < t.in_order.size(); ++i) {
    const Point& p = t.in_order[i];
    if (valid.valid(p)) pairs[static_cast<std::size_t>(p[0])].cover(p);
    if (std::all_of(pairs.begin(), pairs.end(), [](const TemplatePairs& x) { return x.complete(); })) return i + 1;
  }
  return t.in_order.size() + 1;
}

}  // namespace

// FOUNDRY_MEASURE=1: evaluations to the best and to within 3 % of it, median
// over 21 seeds, on the bowl and on synthetic landscapes over shipped
// templates' spaces; and evaluations to full pairwise coverage.
TEST(StrategyMeasure, SyntheticLandscapes) {
  if (!std::getenv("FOUNDRY_MEASURE")) GTEST_SKIP() << "set FOUNDRY_MEASURE=1 to measure";
  struct Case {
    std::string name;
    SpaceFixture f;
    Shape shape;
  };
  const std::string root = std::string(FOUNDRY_SOURCE_DIR) + "/templates/";
  std::vector<Case> cases;
  cases.push_back({"fake grid+line", search_space(), kWide});
  auto real = [&](const std::string& name, std::vector<std::string> files, Shape shape) {
    std::vector<std::string> rel;
    for (auto& x : files) rel.push_back("../../templates/" + x);
    cases.push_back({name, SpaceFixture(rel), std::move(shape)});
  };
  real("cpu grouped_gemm", {"grouped_gemm/cpu/grouped_gemm_naive.cpp", "grouped_gemm/cpu/grouped_gemm_tiled.cpp"},
       Shape{{"experts", 8}, {"total_rows", 1024}, {"n_dim", 1024}, {"k_dim", 1024}});
  real("cuda rmsnorm", {"rmsnorm/cuda/rmsnorm_plain.cu", "rmsnorm/cuda/rmsnorm_vec.cu"}, Shape{{"rows", 4096}, {"cols", 4096}});
  real("cuda softmax", {"softmax/cuda/softmax_plain.cu", "softmax/cuda/softmax_vec.cu"}, Shape{{"rows", 4096}, {"cols", 4096}});
  real("cpu moe_combine", {"moe_combine/cpu/moe_combine_rowloop.cpp", "moe_combine/cpu/moe_combine_simd.cpp"},
       Shape{{"tokens", 4096}, {"hidden", 4096}, {"topk", 2}});
  for (auto& c : cases) {
    const std::size_t n = c.f.valid_points(c.shape);
    std::printf("\n%s: %zu valid points\n%-9s %8s %8s %8s %10s\n", c.name.c_str(), n, "strategy", "to best", "to 3%",
                "to 5%", "full pairs");
    std::map<std::string, std::vector<std::size_t>> best, within3, within5, pairs;
    for (uint64_t seed = 1; seed <= 21; ++seed) {
      const CostFn cost = c.name.rfind("fake", 0) == 0 ? CostFn(bowl) : landscape(*c.f.space, seed);
      const double b = best_cost(c.f, c.shape, cost);
      for (const auto& name : strategy_names()) {
        if (const char* only = std::getenv("FOUNDRY_MEASURE_ONLY"); only && name != only) continue;
        auto s = c.f.make(name, c.shape, seed);
        const Trace t = drive(s, cost, std::min<std::size_t>(n, 1500));
        best[name].push_back(evaluations_within(t, cost, b, 0));
        within3[name].push_back(evaluations_within(t, cost, b, 0.03));
        within5[name].push_back(evaluations_within(t, cost, b, 0.05));
        pairs[name].push_back(evaluations_to_full_coverage(c.f, c.shape, t));
      }
    }
    for (const auto& name : strategy_names())
      if (!best[name].empty())
        std::printf("%-9s %8zu %8zu %8zu %10zu\n", name.c_str(), median(best[name]), median(within3[name]),
                  median(within5[name]), median(pairs[name]));
  }
}
