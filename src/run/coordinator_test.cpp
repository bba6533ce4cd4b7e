// The coordinator in-process, on a scripted backend: no compiler, no worker
// process. Kills are real (a forked child SIGKILLs itself mid-run).
#include "run/coordinator.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include "fakes/fake_backend.hpp"

using namespace foundry;
using namespace foundry_test;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& tag) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  fs::path d = fs::path(::testing::TempDir()) / "foundry-coordinator" / (std::string(info->name()) + "." + tag);
  fs::remove_all(d);
  return d;
}

RunConfig config(const std::string& fixture, const fs::path& dir) {
  RunConfig c;
  c.template_root = fs::path(FOUNDRY_TEST_DIR) / "fixtures" / fixture;
  c.ops = {"rmsnorm"};
  c.regimes = all_regimes();
  c.dtypes = {DType::f32};
  c.session_dir = dir;
  c.cache_root = dir.parent_path() / "cache";
  c.jobs = 2;
  c.budget.per_op = 20;
  return c;
}

RunSummary run_fake(const RunConfig& c, std::shared_ptr<FakeBuilds> builds = std::make_shared<FakeBuilds>()) {
  return Coordinator(c, fake_services(std::move(builds))).run();
}

// (case, strategy seq) -> candidate id, over every record of a session.
std::map<std::pair<std::string, uint64_t>, std::string> proposals(const fs::path& dir) {
  std::map<std::pair<std::string, uint64_t>, std::string> m;
  Session s(dir);
  for (const auto& r : s.records()) {
    auto [it, fresh] = m.emplace(std::make_pair(r.case_key(), r.strategy.seq), r.id);
    EXPECT_TRUE(fresh) << "two records for one proposal: " << r.id;
  }
  return m;
}

// Runs the config in a child that SIGKILLs itself just before evaluation `at`.
void run_and_kill_at(const RunConfig& c, int at) {
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto builds = std::make_shared<FakeBuilds>();
    builds->before_evaluation = [at](int n) {
      if (n == at) raise(SIGKILL);
    };
    try {
      run_fake(c, builds);
    } catch (...) {
    }
    _exit(0);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) << "the child finished before it was killed";
}

}  // namespace

TEST(Coordinator, SameSeedAndOutcomesGiveTheSameProposals) {
  auto a = fresh_dir("a"), b = fresh_dir("b");
  auto sa = run_fake(config("fake_templates", a));
  auto sb = run_fake(config("fake_templates", b));
  EXPECT_EQ(sa.recorded, 20);
  EXPECT_EQ(sb.recorded, 20);
  EXPECT_EQ(proposals(a), proposals(b));
  auto other = config("fake_templates", fresh_dir("c"));
  other.seed = 2;
  run_fake(other);
  std::set<std::string> ids_a, ids_c;
  for (const auto& [k, id] : proposals(a)) ids_a.insert(id);
  for (const auto& [k, id] : proposals(other.session_dir)) ids_c.insert(id);
  EXPECT_NE(ids_a, ids_c) << "another seed proposes other variants";
}

// Every strategy of the table, on a space of 393 points with room for
// several generations in each of the 6 decode cases.
class CoordinatorStrategy : public ::testing::TestWithParam<std::string> {
 protected:
  RunConfig config_for(const fs::path& dir) const {
    auto c = config("fake_search", dir);
    c.mode = GetParam();
    c.regimes = {Regime::decode};
    c.budget.per_case = 20;
    return c;
  }
};

TEST_P(CoordinatorStrategy, KillBetweenAskAndRecordLosesAndDuplicatesNothing) {
  auto whole = fresh_dir("whole");
  run_fake(config_for(whole));
  const auto expected = proposals(whole);
  ASSERT_EQ(expected.size(), 120u);

  auto d = fresh_dir("killed");
  auto c = config_for(d);
  run_and_kill_at(c, 30);  // in the first generations
  const auto first = proposals(d);
  ASSERT_GE(first.size(), 29u);
  ASSERT_TRUE(fs::exists(d / "search_state.json"));
  run_and_kill_at(c, 45);  // resumed, and killed again in later ones
  const auto before = proposals(d);
  ASSERT_GE(before.size(), first.size() + 44);
  ASSERT_LT(before.size(), 120u);

  auto s = run_fake(c);
  EXPECT_EQ(s.searches_rebuilt, 0);
  EXPECT_GT(s.searches_restored, 0);
  EXPECT_EQ(s.recorded, static_cast<int>(120 - before.size()));
  EXPECT_EQ(proposals(d), expected) << "the resumed run makes the proposals an uninterrupted one made";

  auto again = run_fake(c);
  EXPECT_EQ(again.recorded, 0) << "nothing left to do";
  EXPECT_EQ(proposals(d), expected);
}

TEST_P(CoordinatorStrategy, AMissingSearchStateIsRebuiltFromTheLog) {
  auto whole = fresh_dir("whole");
  run_fake(config_for(whole));
  auto d = fresh_dir("killed");
  auto c = config_for(d);
  run_and_kill_at(c, 70);
  fs::remove(d / "search_state.json");
  auto s = run_fake(c);
  EXPECT_GT(s.searches_rebuilt, 0);
  EXPECT_EQ(proposals(d), proposals(whole));
}

INSTANTIATE_TEST_SUITE_P(Every, CoordinatorStrategy, ::testing::ValuesIn(strategy_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(Coordinator, KillBetweenAskAndRecordWithAPerOpBudgetLosesAndDuplicatesNothing) {
  auto whole = fresh_dir("whole");
  run_fake(config("fake_templates", whole));
  const auto expected = proposals(whole);
  ASSERT_EQ(expected.size(), 20u);

  auto d = fresh_dir("killed");
  auto c = config("fake_templates", d);
  run_and_kill_at(c, 7);
  const auto before = proposals(d);
  ASSERT_GE(before.size(), 6u);
  ASSERT_LT(before.size(), 20u);
  ASSERT_TRUE(fs::exists(d / "search_state.json"));

  auto s = run_fake(c);
  EXPECT_EQ(s.searches_rebuilt, 0);
  EXPECT_GT(s.searches_restored, 0);
  EXPECT_EQ(s.recorded, static_cast<int>(20 - before.size()));
  EXPECT_EQ(proposals(d), expected) << "the resumed run makes the proposals an uninterrupted one made";
}

TEST(Coordinator, ARunReportsThePairwiseCoverageOfItsSearches) {
  std::map<std::string, RunSummary> by_mode;
  for (const std::string mode : {"random", "coverage"}) {
    auto c = config("fake_search", fresh_dir(mode));
    c.mode = mode;
    c.regimes = {Regime::decode};
    c.budget.per_case = 60;
    by_mode[mode] = run_fake(c);
  }
  // 6 cases x (grid: 8x6 + 8x4 + 8x2 + 6x4 + 6x2 + 4x2 pairs, line: 9 values)
  EXPECT_EQ(by_mode["random"].pairs_total, 6u * (140 + 9));
  EXPECT_EQ(by_mode["coverage"].pairs_total, 6u * (140 + 9));
  EXPECT_GT(by_mode["coverage"].pairs_covered, by_mode["random"].pairs_covered);
}

TEST(Coordinator, AMissingSearchStateOfAPerOpBudgetIsRebuiltFromTheLog) {
  auto whole = fresh_dir("whole");
  run_fake(config("fake_templates", whole));
  auto d = fresh_dir("killed");
  auto c = config("fake_templates", d);
  run_and_kill_at(c, 9);
  fs::remove(d / "search_state.json");
  auto s = run_fake(c);
  EXPECT_GT(s.searches_rebuilt, 0);
  EXPECT_EQ(proposals(d), proposals(whole));
}

TEST(Coordinator, AStaleSearchStateIsRebuiltFromTheLog) {
  auto whole = fresh_dir("whole");
  run_fake(config("fake_templates", whole));
  auto d = fresh_dir("stale");
  auto c = config("fake_templates", d);
  run_and_kill_at(c, 9);
  // Make the saved state older than the log: as if saved before the ask whose
  // proposals the log already holds.
  auto state = nlohmann::json::parse(std::ifstream(d / "search_state.json"));
  for (auto& [op, cases] : state["strategies"]["random"].items())
    for (auto& [key, entry] : cases.items()) {
      entry["pending"] = nlohmann::json::array();
      entry["state"]["next"] = 0;
    }
  std::ofstream(d / "search_state.json") << state.dump();
  auto s = run_fake(c);
  EXPECT_GT(s.searches_rebuilt, 0);
  EXPECT_EQ(proposals(d), proposals(whole));
}

TEST(Coordinator, APerOpBudgetCoversEveryTemplateWhenAnOpHasFewerCasesThanTemplates) {
  auto d = fresh_dir("s");
  auto c = config("fake_faults", d);
  c.regimes = {Regime::prefill};  // one shape x 2 eps: 2 cases, 5 templates
  c.budget.per_op = 5;
  run_fake(c);
  std::set<std::string> tried;
  for (const auto& r : Session(d).records()) tried.insert(r.template_id);
  EXPECT_EQ(tried.size(), 5u);
}

TEST(Coordinator, AFailureInsideACompileOrEvaluationIsAHarnessErrorAndTheRunGoesOn) {
  auto d = fresh_dir("s");
  auto c = config("fake_faults", d);
  c.regimes = {Regime::decode};
  c.budget.per_case = 5;  // every case tries all five one-point templates
  auto s = run_fake(c);
  Session session(d);
  std::map<std::string, std::set<std::string>> status;
  std::map<std::string, int> per_case;
  for (const auto& r : session.records()) {
    status[r.template_id].insert(to_string(r.status));
    ++per_case[r.case_key()];
    if (r.template_id == "compiler_throws") EXPECT_NE(r.error.value_or("").find("the compiler exploded"), std::string::npos);
    if (r.template_id == "channel_throws") EXPECT_NE(r.error.value_or("").find("the channel broke"), std::string::npos);
  }
  const std::map<std::string, std::set<std::string>> expected{{"plain", {"ok"}},
                                                              {"wrong", {"mismatch"}},
                                                              {"nocompile", {"compile_error"}},
                                                              {"compiler_throws", {"harness_error"}},
                                                              {"channel_throws", {"harness_error"}}};
  EXPECT_EQ(status, expected);
  EXPECT_EQ(per_case.size(), 6u) << "3 decode shapes x 2 eps";
  for (const auto& [k, n] : per_case) EXPECT_EQ(n, 5) << k;
  EXPECT_EQ(s.recorded, 30);
}

TEST(Coordinator, NPerCaseGivesEveryCaseItsOwnBudgetUntilItsSpaceRunsOut) {
  auto d = fresh_dir("s");
  auto c = config("fake_templates", d);
  c.budget.per_case = 7;
  run_fake(c);
  Session session(d);
  std::map<std::string, int> per_case;
  std::map<std::string, Shape> shape_of;
  for (const auto& r : session.records()) {
    ++per_case[r.case_key()];
    shape_of[r.case_key()] = r.shape;
    EXPECT_EQ(r.strategy.name, "random");
  }
  EXPECT_EQ(per_case.size(), 14u) << "7 shapes x 2 eps";
  for (const auto& [k, n] : per_case) {
    // cols = 3 leaves plain and the 5 tiled points with A * B <= 3.
    EXPECT_EQ(n, shape_of[k].at("cols") == 3 ? 6 : 7) << k;
  }
}

TEST(Coordinator, RecordsCarryTheirStrategyAndAReproLine) {
  auto d = fresh_dir("s");
  run_fake(config("fake_templates", d));
  Session session(d);
  std::map<std::string, std::set<uint64_t>> seqs;
  for (const auto& r : session.records()) {
    EXPECT_EQ(r.schema, kRecordSchema);
    EXPECT_TRUE(seqs[r.case_key()].insert(r.strategy.seq).second);
    EXPECT_NE(r.repro.render.find("foundry render --backend fake --template " + r.template_id), std::string::npos);
    for (const auto& [k, v] : r.knobs) EXPECT_NE(r.repro.render.find("--knob " + k + "=" + std::to_string(v)), std::string::npos);
    EXPECT_NE(r.repro.run.find("--seed 1"), std::string::npos);
    if (r.status == Status::ok) {
      EXPECT_EQ(r.bench.timer.value_or(""), "fake_clock");
      EXPECT_GT(r.bench.pct_of_copy.value_or(0), 0);
    }
  }
  // Seqs of a case count from 0 without gaps.
  for (const auto& [k, s] : seqs) EXPECT_EQ(*s.rbegin() + 1, s.size()) << k;
}

TEST(Coordinator, AFailureOfTheRunItselfStopsItWithAMessageAndKeepsEveryRecord) {
  auto d = fresh_dir("s");
  auto c = config("fake_templates", d);
  c.budget.per_op = 60;
  const fs::path msg = d.parent_path() / (d.filename().string() + ".msg");
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // The log may not grow past 24 KiB: appends fail part-way through the run.
    signal(SIGXFSZ, SIG_IGN);
    rlimit rl{24 * 1024, 24 * 1024};
    setrlimit(RLIMIT_FSIZE, &rl);
    try {
      run_fake(c);
    } catch (const std::exception& e) {
      std::ofstream(msg) << e.what();
      _exit(3);
    }
    _exit(0);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  ASSERT_TRUE(WIFEXITED(st)) << "the run crashed instead of stopping";
  ASSERT_EQ(WEXITSTATUS(st), 3) << "the run did not stop";
  std::ifstream in(msg);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("attempts.ndjson"), std::string::npos) << text;
  Session s(d);  // the torn tail is dropped; every whole record reads back
  EXPECT_GT(s.recorded_count(), 3u);
  EXPECT_LT(s.recorded_count(), 60u);
  auto resumed = run_fake(c);
  EXPECT_EQ(Session(d).recorded_count(), 60u);
  EXPECT_EQ(resumed.recorded + static_cast<int>(s.recorded_count()), 60);
}

TEST(Coordinator, UnknownOpsStrategiesAndBudgetsAreNamed) {
  auto d = fresh_dir("s");
  auto expect_error = [&](RunConfig c, const std::string& needle) {
    try {
      run_fake(c);
      ADD_FAILURE() << "expected an error naming " << needle;
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  auto c = config("fake_templates", d);
  c.ops = {"rmsnorm", "no_such_op"};
  expect_error(c, "no_such_op");
  c = config("fake_templates", d);
  c.mode = "telepathy";
  expect_error(c, "--mode telepathy");
  c = config("fake_templates", d);
  c.mode = "cem";
  c.strategy_options.cem_elite = 1.5;
  expect_error(c, "--cem-elite 1.5: must be in (0, 1)");
  c = config("fake_templates", d);
  c.ops = {"softmax"};
  expect_error(c, "softmax");
}

TEST(Curriculum, StageCapsTheOpsAndNamesAnOpBeyondIt) {
  auto d = fresh_dir("s");
  auto c = config("fake_curriculum", d);
  c.ops = {};
  c.curriculum.stage = 2;
  run_fake(c);
  std::set<std::string> ops;
  for (const auto& r : Session(d).records()) ops.insert(r.op);
  EXPECT_EQ(ops, (std::set<std::string>{"rmsnorm", "layernorm"}));
  c.ops = {"rmsnorm", "quantize"};
  try {
    run_fake(c);
    ADD_FAILURE() << "quantize is in stage 3";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("quantize"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--stage 2"), std::string::npos) << e.what();
  }
}

TEST(Curriculum, AutoOpensAStageOnceEveryOpOfTheLastHasItsShareAndSaysWhyTheNextStaysLocked) {
  auto d = fresh_dir("s");
  auto c = config("fake_curriculum", d);
  c.ops = {};
  c.budget.per_op = 8;
  c.curriculum.automatic = true;
  c.curriculum.unlock_attempts = 6;
  auto s = run_fake(c);
  std::map<std::string, int> per_op;
  for (const auto& r : Session(d).records()) ++per_op[r.op];
  // rmsnorm (stage 1) is always right: layernorm (stage 2) opens; layernorm is
  // always wrong: quantize (stage 3) never runs.
  EXPECT_EQ(per_op, (std::map<std::string, int>{{"rmsnorm", 8}, {"layernorm", 8}}));
  EXPECT_EQ(s.stage, 2);
  EXPECT_NE(s.locked.find("stage 3 stays locked: layernorm 0/8 ok"), std::string::npos) << s.locked;
  const auto sj = nlohmann::json::parse(std::ifstream(d / "session.json"));
  const auto& cur = sj["runs"].back()["curriculum"];
  ASSERT_EQ(cur["unlocked"].size(), 1u);
  EXPECT_EQ(cur["unlocked"][0]["stage"], 2);
  EXPECT_EQ(cur["unlocked"][0]["by"]["rmsnorm"]["ok"], 8);
  EXPECT_EQ(cur["reached"], 2);

  // Resumed with a bigger budget, it starts from what the log earned: no stage is relocked.
  c.budget.per_op = 10;
  auto again = run_fake(c);
  EXPECT_EQ(again.stage, 2);
  EXPECT_EQ(again.recorded, 4);
}

TEST(Curriculum, AnOpShortOfItsAttemptsKeepsTheNextStageLocked) {
  auto d = fresh_dir("s");
  auto c = config("fake_curriculum", d);
  c.ops = {};
  c.budget.per_op = 4;
  c.curriculum.automatic = true;
  c.curriculum.unlock_attempts = 6;
  auto s = run_fake(c);
  EXPECT_EQ(s.stage, 1);
  EXPECT_NE(s.locked.find("rmsnorm 4/4 ok"), std::string::npos) << s.locked;
  for (const auto& r : Session(d).records()) EXPECT_EQ(r.op, "rmsnorm");
}

TEST(Coordinator, InjectedFaultsAreBrokenTwinsRecordedAsSuchAndNeverToldToTheStrategy) {
  auto plain = fresh_dir("plain"), d = fresh_dir("injected");
  run_fake(config("fake_templates", plain));
  auto c = config("fake_templates", d);
  c.inject_faults = 0.5;
  auto s = run_fake(c);
  std::map<std::pair<std::string, uint64_t>, std::string> searched;
  int injected = 0;
  std::set<std::string> kinds;
  for (const auto& r : Session(d).records()) {
    if (r.strategy.name != "injected") {
      searched[{r.case_key(), r.strategy.seq}] = r.id;
      continue;
    }
    ++injected;
    kinds.insert(to_string(r.status));
    EXPECT_NE(r.status, Status::ok) << "an injected twin is broken";
    EXPECT_FALSE(r.bench.latency_us);
  }
  EXPECT_GT(injected, 4);
  EXPECT_LT(injected, 16);
  EXPECT_EQ(kinds, (std::set<std::string>{"compile_error", "unwritten"}));
  EXPECT_EQ(searched, proposals(plain)) << "the strategy proposes what it would without the twins";
  EXPECT_EQ(s.recorded, 20 + injected);
  EXPECT_EQ(run_fake(c).recorded, 0) << "the same twins on a rerun: nothing new";
}

TEST(Coordinator, ALatencyBelowTheTrafficFloorIsLabelledSuspectInRunsThatFlush) {
  // Fake latencies are 11 to 500 us. At 100 GB/s x 1.5 the 4096 x 4096 f32
  // prefill (134 MB) needs at least 895 us: every variant there is too fast.
  // Decode shapes (at most 2 MB) need at most 14 us.
  for (const bool flush : {true, false}) {
    auto d = fresh_dir(flush ? "flush" : "noflush");
    RunConfig c = config("fake_templates", d);
    c.bench.flush_cache = flush;
    RunServices s = fake_services(std::make_shared<FakeBuilds>());
    s.floor_margin = 1.5;
    Coordinator(c, std::move(s)).run();
    int prefill = 0;
    for (const auto& r : Session(d).records()) {
      ASSERT_EQ(r.status, Status::ok);
      const bool too_fast = r.bench.latency_us->p50 < r.bench.bytes.value() / (100e9 * 1.5) * 1e6;
      if (r.regime == Regime::prefill) {
        ++prefill;
        EXPECT_TRUE(too_fast);
      }
      EXPECT_EQ(r.has_label(kSuspectLabel), flush && too_fast) << r.template_id << " " << to_string(r.regime);
    }
    EXPECT_GT(prefill, 0);
  }
}

// Where the backend overlaps compiling with evaluating, a worker is told the
// case it will be asked for next, so it can build that case's inputs and
// references while the current one runs: every change of case, in the search
// and into and through the confirm pass, was named by the request before it.
TEST(Coordinator, EveryCaseAWorkerMovesToWasNamedByTheRequestBefore) {
  auto d = fresh_dir("hints");
  RunConfig c = config("fake_confirm", d);
  c.budget.per_case = 4;
  c.jobs = 3;  // chunks of three: case changes inside chunks and across them
  auto builds = std::make_shared<FakeBuilds>();
  builds->overlaps = true;
  run_fake(c, builds);
  const auto& reqs = builds->requests;
  auto same_case = [](const EvalRequest& r, const CaseHint& h) {
    return h.n_tests > 0 && r.op == h.op && r.dtype == h.dtype && r.shape == h.shape && r.params == h.params &&
           r.seed == h.seed && r.n_tests == h.n_tests;
  };
  auto hint_of = [](const EvalRequest& r) { return CaseHint{r.op, r.dtype, r.shape, r.params, r.seed, r.n_tests}; };
  ASSERT_GT(reqs.size(), 10u);
  // The round's first case is built while its variants compile, alone.
  ASSERT_TRUE(reqs.front().prepare_only);
  EXPECT_TRUE(reqs.front().artifact.empty());
  std::size_t i = 1;
  while (i < reqs.size() && reqs[i].prepare_only) ++i;
  ASSERT_LT(i, reqs.size());
  EXPECT_TRUE(same_case(reqs[i], hint_of(reqs.front())));
  int changes = 0, into_confirm = 0;
  for (std::size_t k = i + 1; k < reqs.size(); ++k) {
    if (reqs[k].prepare_only || same_case(reqs[k], hint_of(reqs[k - 1]))) continue;  // the same case again
    ++changes;
    into_confirm += reqs[k].check_only && !reqs[k - 1].check_only;
    EXPECT_TRUE(same_case(reqs[k], reqs[k - 1].next))
        << "request " << k << " (seed " << reqs[k].seed << ") was not named by the one before (next seed "
        << reqs[k - 1].next.seed << ")";
  }
  EXPECT_GT(changes, 3);
  EXPECT_EQ(into_confirm, 1);  // the search's last request names the confirm pass's first case
  EXPECT_EQ(reqs.back().next.n_tests, 0);  // nothing after the last

  // A backend that does not overlap (cpu) is told nothing ahead.
  auto d2 = fresh_dir("nohints");
  auto plain = std::make_shared<FakeBuilds>();
  run_fake(config("fake_confirm", d2), plain);
  for (const auto& r : plain->requests) {
    EXPECT_FALSE(r.prepare_only);
    EXPECT_EQ(r.next.n_tests, 0);
  }
}

TEST(Coordinator, TheConfirmPassLabelsEachCasesBestAndOneRightOnlyOnItsSeedsLeavesBest) {
  auto d = fresh_dir("confirm");
  RunConfig c = config("fake_confirm", d);
  c.budget.per_case = 4;  // every template on every case
  auto builds = std::make_shared<FakeBuilds>();
  RunSummary s = run_fake(c, builds);
  std::map<std::string, double> best;  // case -> lowest trusted cost
  std::set<std::string> cases;
  std::set<uint64_t> input_seeds;
  for (const auto& r : read_session_records(d)) {
    cases.insert(r.case_key());
    input_seeds.insert(r.input_seed);
    if (r.template_id == "seed_keyed") {
      EXPECT_TRUE(r.has_label(kUnconfirmedLabel)) << r.case_key();
      EXPECT_FALSE(r.trusted_ok());
    } else if (r.template_id == "racy") {
      EXPECT_TRUE(r.has_label(kNondeterministicLabel)) << r.case_key();
      EXPECT_FALSE(r.has_label(kUnconfirmedLabel)) << r.case_key();
      EXPECT_FALSE(r.trusted_ok());
    } else if (r.template_id == "honest") {
      EXPECT_TRUE(r.has_label(kConfirmedLabel)) << r.case_key();
    } else {
      EXPECT_TRUE(r.labels.empty()) << "only the best are confirmed: " << r.template_id;
    }
    if (std::isfinite(r.cost())) best[r.case_key()] = std::min(best.count(r.case_key()) ? best[r.case_key()] : 1e9, r.cost());
  }
  ASSERT_GT(cases.size(), 2u);
  for (const auto& k : cases) EXPECT_EQ(best[k], 20.0) << k;
  EXPECT_EQ(s.unconfirmed, static_cast<int>(cases.size()));
  EXPECT_EQ(s.confirmed, static_cast<int>(cases.size()));
  EXPECT_EQ(s.nondeterministic, static_cast<int>(cases.size()));
  // Fresh seeds and repeated runs for each of the three in turn.
  EXPECT_EQ(s.confirm_checks, 6 * static_cast<int>(cases.size()));
  // Fresh seeds: none is a case's own.
  for (uint64_t seed : builds->check_only_seeds) EXPECT_EQ(input_seeds.count(seed), 0u);
  // A second run confirms nothing twice.
  const auto lines = read_confirmations(d).size();
  EXPECT_EQ(lines, 6 * cases.size());
  RunSummary again = run_fake(c);
  EXPECT_EQ(again.confirm_checks, 0);
  EXPECT_EQ(read_confirmations(d).size(), lines);
  // --confirm 0: no pass.
  auto d0 = fresh_dir("noconfirm");
  RunConfig c0 = config("fake_confirm", d0);
  c0.budget.per_case = 3;
  c0.confirm_top = 0;
  EXPECT_EQ(run_fake(c0).confirm_checks, 0);
  EXPECT_FALSE(fs::exists(d0 / "confirmations.ndjson"));
}
