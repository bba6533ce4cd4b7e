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

namespace {

// A small session with real records (compiled, not run): what the bad
// commands below must leave exactly as it was.
fs::path recorded_session(const std::string& tag) {
  auto d = scratch_dir(tag);
  auto r = foundry_cmd({"run", "--ops", "rmsnorm", "-n", "3", "--dtypes", "f32", "--shapes", "decode", "--compile-only",
                        "--session-dir", d.string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(read_records(d).size(), 3u);
  return d;
}

// A failed command: non-zero exit and exactly one line, which names `needle`.
void expect_one_line_naming(const foundry::ProcessResult& r, const std::string& needle, const std::string& what) {
  EXPECT_NE(r.exit_code, 0) << what;
  EXPECT_EQ(r.output.rfind("foundry: error: ", 0), 0u) << what << ": " << r.output;
  EXPECT_EQ(r.output.find('\n'), r.output.size() - 1) << what << ": one line, got: " << r.output;
  EXPECT_NE(r.output.find(needle), std::string::npos) << what << ": should name " << needle << ": " << r.output;
}

// The session's first record as JSON, for forging records of other kinds.
nlohmann::json first_record(const fs::path& session) { return read_records(session).at(0); }

}  // namespace

TEST(CliErrors, EveryCommandNamesAWrongValueInOneLineAndTheSessionIsUnchanged) {
  const fs::path s = recorded_session("s");
  const std::string before = read_file(s / "attempts.ndjson");
  const std::string session_json = read_file(s / "session.json");
  const std::string ss = s.string(), tpl = kFixtureTemplates;
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"run", "--ops", "nosuchop", "--session-dir", ss}, "unknown op 'nosuchop'"},
      {{"run", "-n", "0", "--session-dir", ss}, "--n"},
      {{"run", "-n", "-3", "--session-dir", ss}, "--n"},
      {{"run", "--n-per-case", "0", "--session-dir", ss}, "--n-per-case"},
      {{"run", "--mode", "telepathy", "--session-dir", ss}, "--mode"},
      {{"run", "--stage", "99", "--session-dir", ss}, "--stage 99"},
      {{"run", "--ops", "rmsnorm", "--shape", "nosuch=3", "--session-dir", ss}, "--shape"},
      {{"run", "--ops", "rmsnorm", "--param", "eps", "--session-dir", ss}, "--param eps"},
      {{"run", "--dtypes", "f64", "--session-dir", ss}, "--dtypes"},
      {{"run", "--backend", "tpu", "--session-dir", ss}, "--backend"},
      {{"run", "--bogus-flag", "--session-dir", ss}, "--bogus-flag"},
      {{"render", "--template", "nosuch"}, "--template nosuch"},
      {{"render", "--templates", tpl, "--template", "good_reference", "--knob", "NOPE=1"}, "--knob NOPE=1"},
      {{"render", "--templates", tpl, "--template", "good_reference", "--dtype", "f64"}, "--dtype f64"},
      {{"simulate", ss, "--strategy", "telepathy"}, "--strategy telepathy"},
      {{"simulate", ss, "--budget", "0"}, "--budget"},
      {{"simulate", ss, "--seed", "-1"}, "--seed"},
      {{"simulate", ss, "--op", "softmax"}, "--op softmax"},
      {{"export-kt", ss, "--op", "rmsnorm", "--template", "nosuch", "--out", (s.parent_path() / "kt.json").string()},
       "--template nosuch"},
      {{"export-kt", ss, "--op", "rmsnorm"}, "--template"},
      {{"report", ss, "--peak-gflops", "0"}, "--peak-gflops"},
      {{"report", ss, "--out", "/proc/foundry-no-such-place/r"}, "--out /proc/foundry-no-such-place/r"},
      {{"export", ss, "--out", (s.parent_path() / "e.jsonl").string(), "--status", "fine"}, "--status fine"},
      {{"export", ss, "--out", (s.parent_path() / "e.jsonl").string(), "--ops", "nosuchop"}, "--ops nosuchop"},
      {{"export", ss, "--out", (s.parent_path() / "e.jsonl").string(), "--min-p50", "-1"}, "--min-p50"},
      {{"export", ss}, "--out"},
      {{"export-sft", "--sessions-root", ss, "--out", (s.parent_path() / "sft").string(), "--split-by", "nosuch"}, "--split-by nosuch"},
      {{"export-sft", "--sessions-root", ss, "--out", (s.parent_path() / "sft").string(), "--seed", "-1"}, "--seed"},
      {{"export-sft", "--sessions-root", "/nonexistent-foundry-runs", "--out", (s.parent_path() / "sft").string()},
       "--sessions-root /nonexistent-foundry-runs"},
      {{"list", "--templates", "/nonexistent-foundry-templates"}, "/nonexistent-foundry-templates"},
      {{"worker", "--backend", "tpu"}, "--backend"},
      {{"nosuchcommand"}, "unknown command 'nosuchcommand'"},
  };
  for (const auto& [args, needle] : cases) {
    std::string what;
    for (const auto& a : args) what += a + " ";
    expect_one_line_naming(foundry_cmd(args), needle, what);
  }
  EXPECT_EQ(read_file(s / "attempts.ndjson"), before) << "no bad command changes the log";
  EXPECT_EQ(read_file(s / "session.json"), session_json) << "no bad command changes session.json";
}

TEST(CliErrors, MissingUnreadableAndForeignSessionsAreNamedAndLeftAsTheyWere) {
  auto d = scratch_dir("s");
  // Missing.
  for (const std::string cmd : {"simulate", "report"})
    expect_one_line_naming(foundry_cmd({cmd, (d / "none").string()}), (d / "none").string() + ": no such directory", cmd + " missing");
  // Foreign: a directory of someone else's files is neither read nor written.
  const fs::path foreign = d / "foreign";
  fs::create_directories(foreign);
  std::ofstream(foreign / "notes.txt") << "not a session\n";
  for (const auto& cmd : std::vector<std::vector<std::string>>{
           {"run", "--ops", "rmsnorm", "-n", "1", "--compile-only", "--session-dir", foreign.string()},
           {"simulate", foreign.string()},
           {"report", foreign.string()},
           {"export", foreign.string(), "--out", (d / "e.jsonl").string()},
           {"export-kt", foreign.string(), "--op", "rmsnorm", "--template", "rmsnorm_plain", "--out", (d / "kt.json").string()}})
    expect_one_line_naming(foundry_cmd(cmd), "not a foundry session", cmd[0] + " on a foreign directory");
  EXPECT_EQ(std::distance(fs::directory_iterator(foreign), fs::directory_iterator()), 1) << "nothing written into it";
  // Garbage in attempts.ndjson: named by file and line, kept as it was.
  const fs::path garbage = d / "garbage";
  fs::create_directories(garbage);
  std::ofstream(garbage / "attempts.ndjson") << "\x7f" "ELF binary junk\n";
  for (const auto& cmd : std::vector<std::vector<std::string>>{
           {"run", "--ops", "rmsnorm", "-n", "1", "--compile-only", "--session-dir", garbage.string()}, {"simulate", garbage.string()}})
    expect_one_line_naming(foundry_cmd(cmd), "attempts.ndjson line 1: not JSON", cmd[0] + " on a garbage log");
  EXPECT_EQ(read_file(garbage / "attempts.ndjson"), "\x7f" "ELF binary junk\n");
  // Unreadable: the log is not a file (a directory; permissions do not stop root).
  const fs::path unreadable = d / "unreadable";
  fs::create_directories(unreadable / "attempts.ndjson");
  std::ofstream(unreadable / "session.json") << "{}\n";
  for (const auto& cmd : std::vector<std::vector<std::string>>{
           {"run", "--ops", "rmsnorm", "-n", "1", "--compile-only", "--session-dir", unreadable.string()}, {"simulate", unreadable.string()}})
    expect_one_line_naming(foundry_cmd(cmd), "attempts.ndjson: not a regular file", cmd[0] + " on an unreadable log");
  EXPECT_TRUE(fs::is_directory(unreadable / "attempts.ndjson"));
}

TEST(CliErrors, ASessionOfANewerSchemaIsRefusedByNameAndKept) {
  const fs::path s = recorded_session("s");
  auto rec = first_record(s);
  rec["schema"] = rec["schema"].get<int>() + 1;
  std::ofstream(s / "attempts.ndjson", std::ios::app) << rec.dump() << "\n";
  const std::string before = read_file(s / "attempts.ndjson");
  for (const auto& cmd : std::vector<std::vector<std::string>>{
           {"run", "--ops", "rmsnorm", "-n", "4", "--compile-only", "--session-dir", s.string()}, {"simulate", s.string()}})
    for (const auto& needle : {std::string("attempts.ndjson line 4: "), "schema " + rec["schema"].dump() + ": written by a newer foundry"})
      expect_one_line_naming(foundry_cmd(cmd), needle, cmd[0]);
  EXPECT_EQ(read_file(s / "attempts.ndjson"), before);
}

TEST(CliErrors, PathsReadFromASessionCannotLeaveIt) {
  const fs::path s = recorded_session("s");
  const fs::path outside = s.parent_path() / (s.filename().string() + ".outside");
  fs::create_directories(outside);
  const std::string good = read_file(s / "attempts.ndjson");
  // A record whose source_path leaves the session: by "..", absolutely, or through a symbolic link.
  fs::create_directory_symlink(outside, s / "kernels" / "link");
  for (const std::string& bad : {std::string("../../etc/passwd"), std::string("kernels/../../x.cpp"), std::string("/etc/passwd"),
                                 std::string("kernels/link/x.cpp")}) {
    auto rec = first_record(s);
    rec["source_path"] = bad;
    rec["id"] = std::string(64, 'e');
    std::ofstream(s / "attempts.ndjson", std::ios::trunc) << good << rec.dump() << "\n";
    for (const auto& cmd : std::vector<std::vector<std::string>>{
             {"run", "--ops", "rmsnorm", "-n", "4", "--compile-only", "--session-dir", s.string()}, {"simulate", s.string()}})
      expect_one_line_naming(foundry_cmd(cmd), "line 4: path '" + bad + "'", cmd[0] + " with source_path " + bad);
  }
  fs::remove(s / "kernels" / "link");
  std::ofstream(s / "attempts.ndjson", std::ios::trunc) << good;
  // A session entry that is a symbolic link: kernels/ pointing outside would
  // have the run write sources there.
  fs::rename(s / "kernels", s / "kernels.real");
  fs::create_directory_symlink(outside, s / "kernels");
  expect_one_line_naming(foundry_cmd({"run", "--ops", "rmsnorm", "-n", "6", "--compile-only", "--session-dir", s.string()}),
                         "kernels is a symbolic link", "kernels -> outside");
  EXPECT_TRUE(fs::is_empty(outside)) << "nothing written through the link";
  EXPECT_EQ(read_file(s / "attempts.ndjson"), good);
}

TEST(CliErrors, AMalformedTemplateIsNamedWithFileAndLine) {
  auto d = scratch_dir("t");
  const std::string head = "// ---\n// id: ID\n// op: rmsnorm\n// backend: cpu\n";
  const std::string tail = "// ---\nstatic inline void kernel() {}\n";
  const std::map<std::string, std::pair<std::string, std::string>> bad{
      // id -> (front matter after backend, "file:line: what")
      {"bad_yaml", {"// knobs:\n//   BLOCK: [1, 2\n// launch:\n//   grid: rows\n//   threads: 1\n", "bad_yaml.cpp:7: front matter"}},
      {"no_values", {"// knobs:\n//   BLOCK: []\n// launch:\n//   grid: rows\n//   threads: BLOCK\n", "no_values.cpp:6: knob BLOCK has no values"}},
      {"bad_expr",
       {"// knobs:\n//   BLOCK: [1, 2]\n// constraints:\n//   - rows % BLOCK == 0\n//   - BLOCK * (2 +\n// launch:\n//   grid: rows\n//   threads: BLOCK\n",
        "bad_expr.cpp:9: constraint: expression 'BLOCK * (2 +'"}},
      {"bad_launch", {"// launch:\n//   grid: rows +* 2\n//   threads: 1\n", "bad_launch.cpp:6: launch grid: expression 'rows +* 2'"}},
      {"no_close", {"// launch:\n//   grid: rows\nstatic int x;\n", "no_close.cpp:7: front matter ended"}},
  };
  for (const auto& [id, fm] : bad) {
    const fs::path root = d / id;
    fs::create_directories(root / "rmsnorm" / "cpu");
    std::string text = head + fm.first + tail;
    text.replace(text.find("ID"), 2, id);
    std::ofstream(root / "rmsnorm" / "cpu" / (id + ".cpp")) << text;
    const fs::path session = d / (id + ".session");
    for (const auto& cmd : std::vector<std::vector<std::string>>{
             {"run", "--templates", root.string(), "--ops", "rmsnorm", "-n", "1", "--session-dir", session.string()},
             {"list", "--templates", root.string()}})
      expect_one_line_naming(foundry_cmd(cmd), fm.second, id + " " + cmd[0]);
    EXPECT_FALSE(fs::exists(session / "attempts.ndjson")) << id;
  }
}

TEST(CliErrors, AFullDiskStopsTheRunWithOneLineAndLosesNoRecord) {
  const fs::path s = recorded_session("s");
  const std::string before = read_file(s / "attempts.ndjson");
  // No file may grow past the log's size plus a few bytes: the next append
  // (and any kernel source or object written on the way) fails as on a full disk.
  std::vector<std::string> argv{"prlimit", "--fsize=" + std::to_string(before.size() + 16), "env",
                                "FOUNDRY_CACHE_DIR=" + shared_cache().string(), kFoundryBinary,
                                "run", "--ops", "rmsnorm", "-n", "6", "--dtypes", "f32", "--shapes", "decode", "--compile-only",
                                "--session-dir", s.string()};
  auto r = foundry::run_process(argv, 600);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.signal, 0) << "stopped by the error, not killed by SIGXFSZ: " << r.output;
  std::string last = r.output.substr(r.output.rfind('\n', r.output.size() - 2) + 1);
  EXPECT_EQ(last.rfind("foundry: error: ", 0), 0u) << r.output;
  EXPECT_NE(last.find("File too large"), std::string::npos) << r.output;
  const std::string after = read_file(s / "attempts.ndjson");
  EXPECT_EQ(after.substr(0, before.size()), before) << "every record written before is kept";
  // The same command without the limit resumes: the records before are kept, the rest added.
  auto resumed = foundry_cmd({"run", "--ops", "rmsnorm", "-n", "6", "--dtypes", "f32", "--shapes", "decode", "--compile-only",
                              "--session-dir", s.string()});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_EQ(read_file(s / "attempts.ndjson").substr(0, before.size()), before);
  EXPECT_EQ(read_records(s).size(), 6u);
}

TEST(CliErrors, AFlagBeatsItsEnvironmentVariableAndTheVariableBeatsTheDefault) {
  auto d = scratch_dir("s");
  const std::string tpl = kFixtureTemplates;
  // The fixture tree has rmsnorm templates only, so every other op says "none yet".
  auto flag = foundry_cmd_env({"FOUNDRY_TEMPLATES=/nonexistent-foundry-templates"}, {"list", "--templates", tpl});
  ASSERT_EQ(flag.exit_code, 0) << flag.output;
  EXPECT_NE(flag.output.find("cpu: none yet"), std::string::npos) << flag.output;
  auto env = foundry_cmd_env({"FOUNDRY_TEMPLATES=" + tpl}, {"list"});
  ASSERT_EQ(env.exit_code, 0) << env.output;
  EXPECT_EQ(env.output, flag.output) << "without the flag the variable is used";
  auto bad_env = foundry_cmd_env({"FOUNDRY_TEMPLATES=/nonexistent-foundry-templates"}, {"list"});
  EXPECT_NE(bad_env.exit_code, 0);
  EXPECT_NE(bad_env.output.find("/nonexistent-foundry-templates"), std::string::npos) << bad_env.output;

  auto render = foundry_cmd_env({"FOUNDRY_TEMPLATES=/nonexistent-foundry-templates"},
                                 {"render", "--templates", tpl, "--template", "good_reference"});
  ASSERT_EQ(render.exit_code, 0) << render.output;
  EXPECT_NE(render.output.find("sqrtf(ss / (float)cols + eps)"), std::string::npos) << "the fixture template, from the flag";

  // run: --templates and --cache-dir over FOUNDRY_TEMPLATES and FOUNDRY_CACHE_DIR.
  const fs::path cache = d / "cache", session = d / "session";
  auto run = foundry_cmd_env({"FOUNDRY_TEMPLATES=/nonexistent-foundry-templates", "FOUNDRY_CACHE_DIR=" + (d / "env-cache").string()},
                              {"run", "--templates", tpl, "--cache-dir", cache.string(), "--ops", "rmsnorm", "-n", "2",
                               "--dtypes", "f32", "--shapes", "decode", "--compile-only", "--session-dir", session.string()});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(fs::is_directory(cache / "cpu")) << "objects went to --cache-dir";
  EXPECT_FALSE(fs::exists(d / "env-cache")) << "not to $FOUNDRY_CACHE_DIR";
  for (const auto& rec : read_records(session)) {
    const std::string id = rec["template_id"];
    EXPECT_TRUE(fs::exists(fs::path(tpl) / "rmsnorm" / "cpu" / (id + ".cpp"))) << id << " is not a fixture template";
  }
  // simulate: the flag's template tree, not the variable's (which does not exist).
  auto sim = foundry_cmd_env({"FOUNDRY_TEMPLATES=/nonexistent-foundry-templates"}, {"simulate", session.string(), "--templates", tpl});
  EXPECT_EQ(sim.output.find("/nonexistent-foundry-templates"), std::string::npos) << sim.output;
}
