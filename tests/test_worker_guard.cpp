// Workers that run kernels on the host run under resource limits and a filter
// against file writes (src/harness/worker_guard.hpp): real kernels that try to
// escape (tests/fixtures/guard) through the real binary. The zoo holds the
// kernels that exhaust memory and open files.
#include <chrono>

#include "cli_helpers.hpp"

using namespace foundry_test;

namespace {

const std::string kGuardTemplates = kTestDir + "/fixtures/guard";

std::vector<std::string> guard_run(const fs::path& session, std::vector<std::string> extra) {
  std::vector<std::string> args{"run", "--templates", kGuardTemplates, "--ops", "rmsnorm", "--dtypes", "f32", "--shapes",
                                "decode", "--warmup", "1", "--repeats", "5", "--no-flush", "--correctness-tests", "2",
                                "--session-dir", session.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::map<std::string, std::set<std::string>> statuses_by_template(const fs::path& session) {
  std::map<std::string, std::set<std::string>> m;
  for (const auto& r : read_records(session)) m[r["template_id"]].insert(r["status"].get<std::string>());
  return m;
}

}  // namespace

TEST(WorkerGuard, AKernelCannotWriteOutsideItsSessionAndTheRunGoesOn) {
  auto d = scratch_dir("s");
  const fs::path session = d / "session", outside = d / "outside";
  fs::create_directories(outside);
  const fs::path target = outside / "escaped.txt", victim = outside / "victim.txt";
  std::ofstream(victim) << "precious\n";
  const std::vector<std::string> env{"FOUNDRY_GUARD_TARGET=" + target.string(), "FOUNDRY_GUARD_VICTIM=" + victim.string()};
  // Every template of the fixture tree on the cases of one row (guard_spin stopped by a short CPU limit).
  auto r = foundry_cmd_env(env, guard_run(session, {"--n-per-case", "3", "--shape", "rows=1", "--worker-cpu-s", "1"}));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto line = r.output.find("worker guard: ");
  ASSERT_NE(line, std::string::npos) << "the run states its guard before a kernel runs: " << r.output;
  if (r.output.compare(line, 30, "worker guard: NOT active (") == 0)
    GTEST_SKIP() << "this kernel refuses the guard, and the run says so: " << r.output.substr(line, r.output.find('\n', line) - line);
  EXPECT_EQ(r.output.compare(line, 18, "worker guard: on: "), 0) << r.output;
  const auto statuses = statuses_by_template(session);
  EXPECT_EQ(statuses.at("guard_write_outside"), std::set<std::string>{"unwritten"})
      << "every attempt was refused, so the kernel left its output unwritten";
  EXPECT_EQ(statuses.at("guard_control"), std::set<std::string>{"ok"}) << "the run goes on";
  EXPECT_FALSE(fs::exists(target)) << "nothing created outside the session";
  EXPECT_EQ(read_file(victim), "precious\n") << "nothing truncated, deleted or rewritten";
  EXPECT_EQ(std::distance(fs::directory_iterator(outside), fs::directory_iterator()), 1);

  // The same kernel without the guard does escape: the fixture is real, the guard is what stopped it.
  const fs::path unguarded = d / "unguarded";
  r = foundry_cmd_env(env, guard_run(unguarded, {"--n-per-case", "3", "--shape", "rows=1", "--no-worker-guard", "--bench-timeout", "2"}));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("worker guard: off (--no-worker-guard)"), std::string::npos) << r.output;
  EXPECT_EQ(statuses_by_template(unguarded).at("guard_write_outside"), std::set<std::string>{"ok"});
  EXPECT_EQ(read_file(target), "written by a kernel\n");
  EXPECT_EQ(read_file(victim), "recreated by a shell\n");
}

TEST(WorkerGuard, AKernelThatSpinsIsStoppedByItsCpuLimitBeforeTheWallClockOne) {
  auto d = scratch_dir("s");
  const auto t0 = std::chrono::steady_clock::now();
  auto r = foundry_cmd(guard_run(d, {"--n-per-case", "3", "--shape", "rows=1", "--bench-timeout", "120", "--worker-cpu-s", "1"}));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  bool spun = false;
  for (const auto& rec : read_records(d)) {
    if (rec["template_id"] != "guard_spin") {
      EXPECT_TRUE(rec["status"] == "ok" || rec["status"] == "unwritten") << rec.dump();
      continue;
    }
    spun = true;
    EXPECT_EQ(rec["status"], "timeout") << rec.dump();
    EXPECT_NE(rec["error"].get<std::string>().find("CPU time limit (1 s per phase"), std::string::npos) << rec.dump();
  }
  EXPECT_TRUE(spun) << r.output;
  EXPECT_LT(seconds, 60) << "killed by its 1 s CPU limit, not the 120 s wall-clock limit";
}

TEST(WorkerGuard, LimitFlagsAreCheckedAndNamed) {
  auto d = scratch_dir("s");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--worker-cpu-s", "0"}, {"--worker-memory-mib", "-1"}, {"--worker-open-files", "3"}}) {
    std::vector<std::string> cmd{"run", "--session-dir", d.string()};
    cmd.insert(cmd.end(), args.begin(), args.end());
    auto r = foundry_cmd(cmd);
    EXPECT_NE(r.exit_code, 0) << args[0];
    EXPECT_EQ(r.output.find('\n'), r.output.size() - 1) << r.output;
    EXPECT_NE(r.output.find(args[0]), std::string::npos) << r.output;
  }
  EXPECT_FALSE(fs::exists(d / "attempts.ndjson"));
}
