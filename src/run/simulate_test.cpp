#include "run/simulate.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>

#include "cli_helpers.hpp"
#include "fakes/fake_backend.hpp"
#include "run/coordinator.hpp"
#include "run/session.hpp"

using namespace foundry;
namespace fs = std::filesystem;

namespace {

struct Fixture {
  KernelTemplate plain = load_template(fs::path(FOUNDRY_TEST_DIR) / "fixtures/fake_templates/rmsnorm/fake/plain.cpp");
  KernelTemplate tiled = load_template(fs::path(FOUNDRY_TEST_DIR) / "fixtures/fake_templates/rmsnorm/fake/tiled.cpp");
  SearchSpace space{{&plain, &tiled}};
};

// A session recorded exhaustively on the fake backend: every case's every valid point.
// Built once per test process, in a directory of its own (never one a
// previous build of the tests left behind).
fs::path exhaustive_session() {
  static bool built = false;
  const fs::path d = fs::path(::testing::TempDir()) / "foundry-simulate" / ("session-" + std::to_string(getpid()));
  if (built) return d;
  built = true;
  fs::remove_all(d);
  RunConfig c;
  c.template_root = fs::path(FOUNDRY_TEST_DIR) / "fixtures/fake_templates";
  c.ops = {"rmsnorm"};
  c.regimes = {Regime::decode, Regime::odd};
  c.dtypes = {DType::f32};
  c.session_dir = d;
  c.jobs = 2;
  c.budget.per_case = 100;
  Coordinator(c, foundry_test::fake_services(std::make_shared<foundry_test::FakeBuilds>())).run();
  return d;
}

}  // namespace

TEST(Simulate, RandomExpectationIsExact) {
  RecordedCase c;
  c.cost = {{{0}, 1.0}, {{1, 0, 0}, 2.0}, {{1, 0, 1}, 3.0}};
  c.valid = c.recorded = 3;
  const auto e = random_expectation(c, 4);
  EXPECT_DOUBLE_EQ(e[0], 2.0);          // the mean
  EXPECT_NEAR(e[1], 4.0 / 3.0, 1e-12);  // min over the 3 pairs: 1, 1, 2
  EXPECT_DOUBLE_EQ(e[2], 1.0);
  EXPECT_DOUBLE_EQ(e[3], 1.0);
  // A failure counts as the worst correct cost.
  c.cost[{1, 1, 0}] = std::numeric_limits<double>::infinity();
  c.valid = c.recorded = 4;
  EXPECT_DOUBLE_EQ(random_expectation(c, 1)[0], (1.0 + 2 + 3 + 3) / 4);
}

TEST(Simulate, ReplaysAStrategyOnTheRecordedCostsAndScoresIt) {
  Fixture f;
  const auto records = read_session_records(exhaustive_session());
  const auto cases = recorded_cases(records, f.space, "rmsnorm");
  ASSERT_EQ(cases.size(), 12u) << "6 shapes x 2 eps";
  for (const auto& c : cases) {
    ASSERT_TRUE(c.complete()) << c.key << ": " << c.recorded << " of " << c.valid;
    EXPECT_DOUBLE_EQ(c.best(), 11) << "A = 1, B = 1 is fastest (latency = the digits A B)";
    const auto trace = replay(strategy_row("random"), c, f.space, 7, 100);
    ASSERT_EQ(trace.size(), c.valid) << "without replacement: the space runs out before the budget";
    EXPECT_DOUBLE_EQ(trace.back(), 11);
    for (std::size_t i = 1; i < trace.size(); ++i) EXPECT_LE(trace[i], trace[i - 1]);
    // A perfect searcher scores 1, random search about 0.
    const std::vector<double> perfect(10, 11.0);
    EXPECT_NEAR(score("perfect", {perfect}, c, 10).score, 1.0, 1e-12);
    EXPECT_EQ(score("perfect", {perfect}, c, 10).within[0].median, 1);
  }
  // Within one template, `random` is uniform without replacement: it scores about 0.
  const SearchSpace tiled({&f.tiled});
  for (const auto& c : recorded_cases(records, tiled, "rmsnorm")) {
    std::vector<std::vector<double>> traces;
    for (uint64_t s = 1; s <= 3000; ++s) traces.push_back(replay(strategy_row("random"), c, tiled, s, 5));
    EXPECT_NEAR(score("random", traces, c, 5).score, 0.0, 0.1) << c.key;
  }
}

TEST(Simulate, TheCommandPrintsATableAndRefusesASessionWithNoCompleteCase) {
  const fs::path d = exhaustive_session();
  const std::string templates = std::string(FOUNDRY_TEST_DIR) + "/fixtures/fake_templates";
  auto r = foundry_test::foundry_cmd({"simulate", d.string(), "--templates", templates, "--budget", "20", "--repeats", "5"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("evals to 1%"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("random"), std::string::npos) << r.output;
  auto j = foundry_test::foundry_cmd({"simulate", d.string(), "--templates", templates, "--budget", "20", "--repeats", "5",
                                      "--template", "tiled", "--op", "rmsnorm", "--json"});
  ASSERT_EQ(j.exit_code, 0) << j.output;
  const auto cases = nlohmann::json::parse(j.output);
  ASSERT_EQ(cases.size(), 12u);
  EXPECT_EQ(cases[0]["random_expectation"].size(), 20u);
  EXPECT_EQ(cases[0]["strategies"][0]["repeats"], 5);
  auto bad = foundry_test::foundry_cmd({"simulate", d.string(), "--templates", templates, "--strategy", "telepathy"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("telepathy"), std::string::npos) << bad.output;
  const fs::path empty = d.parent_path() / "empty";
  fs::create_directories(empty);
  auto none = foundry_test::foundry_cmd({"simulate", empty.string(), "--templates", templates});
  EXPECT_NE(none.exit_code, 0);
  EXPECT_NE(none.output.find("no records"), std::string::npos) << none.output;
}

// The same recorded case as a Kernel Tuner cache file, in the form its reader
// takes (cache last, the file ending in "}\n}", times in milliseconds,
// constraint-breaking points as InvalidConfig).
TEST(Simulate, ExportKtWritesTheCaseAsAKernelTunerCacheFile) {
  const fs::path d = exhaustive_session();
  const std::string templates = std::string(FOUNDRY_TEST_DIR) + "/fixtures/fake_templates";
  const fs::path out = d.parent_path() / "kt.json";
  auto base = std::vector<std::string>{"export-kt", d.string(), "--templates", templates, "--op", "rmsnorm", "--template",
                                       "tiled", "--out", out.string(), "--dtype", "f32", "--param", "eps=1e-05"};
  auto ambiguous = foundry_test::foundry_cmd(base);
  EXPECT_NE(ambiguous.exit_code, 0);
  EXPECT_NE(ambiguous.output.find("6 cases match"), std::string::npos) << ambiguous.output;
  base.insert(base.end(), {"--shape", "rows=33", "--shape", "cols=3"});
  auto r = foundry_test::foundry_cmd(base);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string text = foundry_test::read_file(out);
  ASSERT_GE(text.size(), 4u);
  EXPECT_EQ(text.substr(text.find_last_not_of('\n') - 2, 3), "}\n}");
  const auto kt = nlohmann::json::parse(text);
  EXPECT_EQ(kt["tune_params_keys"], nlohmann::json({"A", "B"}));
  EXPECT_EQ(kt["tune_params"]["A"].size(), 6u);
  ASSERT_EQ(kt["cache"].size(), 24u) << "every point: 5 run at cols = 3, 19 invalid there";
  int invalid = 0;
  for (const auto& [key, e] : kt["cache"].items()) {
    EXPECT_EQ(key, std::to_string(e["A"].get<int>()) + "," + std::to_string(e["B"].get<int>()));
    if (e["time"] == "InvalidConfig") {
      ++invalid;
      EXPECT_GT(e["A"].get<int>() * e["B"].get<int>(), 3);
    } else {
      EXPECT_DOUBLE_EQ(e["time"].get<double>(), (e["A"].get<int>() * 10 + e["B"].get<int>()) / 1000.0);
    }
  }
  EXPECT_EQ(invalid, 19);
  EXPECT_GT(text.find("\"cache\""), text.find("\"tune_params_keys\"")) << "on disk `cache` comes last";
}
