// Bad input: a clear message naming the culprit, a non-zero exit, nothing lost.
#include <set>

#include "cli_helpers.hpp"

using namespace foundry_test;

TEST(CliErrors, UnknownOpIsNamed) {
  auto d = scratch_dir("s");
  auto r = foundry_cmd({"run", "--ops", "nosuchop", "--session-dir", (d / "s").string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("unknown op 'nosuchop'"), std::string::npos) << r.output;
}

TEST(CliErrors, BadFlagValuesAreNamed) {
  auto d = scratch_dir("s");
  auto r = foundry_cmd({"run", "--dtypes", "f64", "--session-dir", d.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--dtypes"), std::string::npos) << r.output;
  r = foundry_cmd({"run", "-n", "0", "--session-dir", d.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--n"), std::string::npos) << r.output;
  r = foundry_cmd({"run", "--shapes", "huge", "--session-dir", d.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--shapes"), std::string::npos) << r.output;
  r = foundry_cmd({"run", "--mode", "cem", "--cem-elite", "1.5", "--session-dir", d.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--cem-elite 1.5: must be in (0, 1)"), std::string::npos) << r.output;
  r = foundry_cmd({"run", "--mode", "cem", "--cem-floor", "0.7", "--session-dir", d.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--cem-floor 0.7: must be in [0, 0.5)"), std::string::npos) << r.output;
}

TEST(CliErrors, UnwritableSessionDirIsNamed) {
  auto r = foundry_cmd({"run", "--ops", "rmsnorm", "--session-dir", "/proc/foundry-no-such-place/s"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("/proc/foundry-no-such-place/s"), std::string::npos) << r.output;
}

TEST(CliErrors, OpWithoutTemplatesForBackendIsNamed) {
  auto d = scratch_dir("s");
  auto r = foundry_cmd({"run", "--ops", "softmax", "--templates", kFixtureTemplates, "--session-dir", d.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("softmax"), std::string::npos) << r.output;
}

TEST(CliErrors, FailedRunLeavesExistingRecordsIntact) {
  auto d = scratch_dir("s");
  std::vector<std::string> ok_run{"run", "--ops", "rmsnorm", "-n", "2", "--dtypes", "f32", "--session-dir", d.string()};
  for (const auto& f : quick_flags()) ok_run.push_back(f);
  auto r = foundry_cmd(ok_run);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string before = read_file(d / "attempts.ndjson");
  ASSERT_FALSE(before.empty());
  r = foundry_cmd({"run", "--ops", "rmsnorm", "bogus", "--session-dir", d.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(read_file(d / "attempts.ndjson"), before);
}

TEST(CliList, ShowsAllOpsWithClassStageAndTemplates) {
  auto r = foundry_cmd({"list", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto arr = nlohmann::json::parse(r.output);
  ASSERT_EQ(arr.size(), 18u);
  std::set<std::string> classes;
  for (const auto& o : arr) {
    EXPECT_TRUE(o.contains("name") && o.contains("kernel_class") && o.contains("stage") && o.contains("templates"));
    EXPECT_TRUE(o["templates"].contains("cpu"));
    classes.insert(o["kernel_class"].get<std::string>());
  }
  EXPECT_EQ(classes.size(), 9u) << "every kernel class A-I has an op";
  auto find = [&](const std::string& n) {
    for (const auto& o : arr)
      if (o["name"] == n) return o;
    return nlohmann::json();
  };
  EXPECT_GE(find("rmsnorm")["templates"]["cpu"].size(), 2u);
  EXPECT_GE(find("softmax")["templates"]["cpu"].size(), 2u);
  EXPECT_GE(find("swiglu")["templates"]["cpu"].size(), 2u);

  for (const auto& o : arr) EXPECT_GE(o["templates"]["cuda"].size(), 2u) << o["name"] << " lacks cuda templates";

  // The fixture tree holds rmsnorm templates only: every other op says so.
  auto text = foundry_cmd({"list", "--templates", kFixtureTemplates});
  ASSERT_EQ(text.exit_code, 0);
  EXPECT_NE(text.output.find("grouped_gemm"), std::string::npos);
  EXPECT_NE(text.output.find("cpu: none yet; cuda: none yet"), std::string::npos) << "ops without templates say so";
}

TEST(CliErrors, BudgetsAndStrategiesAreNamed) {
  auto d = scratch_dir("s");
  auto r = foundry_cmd({"run", "-n", "3", "--n-per-case", "2", "--session-dir", d.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("-n and --n-per-case"), std::string::npos) << r.output;
  r = foundry_cmd({"run", "--n-per-case", "0", "--session-dir", d.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--n-per-case"), std::string::npos) << r.output;
  r = foundry_cmd({"run", "--mode", "telepathy", "--session-dir", d.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--mode"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(d / "attempts.ndjson")) << "nothing written for a bad command";
}

TEST(CliErrors, ASessionOfAnotherRecordSchemaIsRefusedAndKept) {
  auto d = scratch_dir("s");
  const std::string old = R"({"id":"abc","op":"rmsnorm","status":"ok"})";
  std::ofstream(d / "attempts.ndjson") << old << "\n";
  auto r = foundry_cmd({"run", "--ops", "rmsnorm", "-n", "1", "--session-dir", d.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("attempts.ndjson line 1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("older foundry"), std::string::npos) << r.output;
  EXPECT_EQ(read_file(d / "attempts.ndjson"), old + "\n") << "the old log is left as it was";
}

TEST(CliErrors, OutOfRangeNumbersGetAShortLineNamingTheFlag) {
  auto d = scratch_dir("s");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"-n", "-5"}, {"--n-per-case", "0"}, {"--seed", "-1"}, {"--bench-timeout", "0"}, {"--jobs", "-2"}, {"--stage", "0"}}) {
    std::vector<std::string> cmd{"run", "--session-dir", d.string()};
    cmd.insert(cmd.end(), args.begin(), args.end());
    auto r = foundry_cmd(cmd);
    EXPECT_NE(r.exit_code, 0) << args[0];
    EXPECT_NE(r.output.find(args[0]), std::string::npos) << r.output;
    EXPECT_LT(r.output.find('\n'), 120u) << "one short line, not a 300-digit range: " << r.output;
  }
  EXPECT_FALSE(fs::exists(d / "attempts.ndjson"));
}
