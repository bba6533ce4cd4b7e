// Helpers for tests that drive the real foundry binary in real processes.
#pragma once
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/process.hpp"

namespace foundry_test {

namespace fs = std::filesystem;

// A fresh directory under the test temp dir, unique per test.
inline fs::path scratch_dir(const std::string& tag) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  fs::path d = fs::path(::testing::TempDir()) / "foundry-tests" / (std::string(info->test_suite_name()) + "." + info->name() + "." + tag);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// Shared compile cache for the whole suite, so each variant compiles once.
inline fs::path shared_cache() {
  fs::path d = fs::path(::testing::TempDir()) / "foundry-tests" / "cache";
  fs::create_directories(d);
  return d;
}

// The binary under test and the tests' own directory: where they were built,
// unless FOUNDRY_TEST_BINARY / FOUNDRY_TEST_DIR say otherwise (a bundle run on
// another machine, where the GPU tests do not skip).
inline std::string env_or(const char* var, const char* fallback) {
  const char* v = std::getenv(var);
  return v && *v ? v : fallback;
}
inline const std::string kFoundryBinary = env_or("FOUNDRY_TEST_BINARY", FOUNDRY_BINARY);
inline const std::string kTestDir = env_or("FOUNDRY_TEST_DIR", FOUNDRY_TEST_DIR);

inline foundry::ProcessResult foundry_cmd(const std::vector<std::string>& args, const fs::path& cache = shared_cache(),
                                          double timeout_s = 600) {
  std::vector<std::string> argv{"env", "FOUNDRY_CACHE_DIR=" + cache.string(), kFoundryBinary};
  argv.insert(argv.end(), args.begin(), args.end());
  return foundry::run_process(argv, timeout_s);
}

// foundry_cmd with `env` (NAME=VALUE...) added to its environment.
inline foundry::ProcessResult foundry_cmd_env(const std::vector<std::string>& env, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"env", "FOUNDRY_CACHE_DIR=" + shared_cache().string()};
  argv.insert(argv.end(), env.begin(), env.end());
  argv.push_back(kFoundryBinary);
  argv.insert(argv.end(), args.begin(), args.end());
  return foundry::run_process(argv, 600);
}

inline std::vector<nlohmann::json> read_ndjson_file(const fs::path& file) {
  std::vector<nlohmann::json> out;
  std::ifstream in(file);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(nlohmann::json::parse(l));
  return out;
}

inline std::vector<nlohmann::json> read_records(const fs::path& session) {
  return read_ndjson_file(session / "attempts.ndjson");
}

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline const std::string kFixtureTemplates = kTestDir + "/fixtures/templates";

// Settings that keep test runs short: small shapes, few timed repeats.
inline std::vector<std::string> quick_flags() {
  return {"--shapes", "decode", "odd", "--repeats", "5", "--warmup", "1", "--no-flush", "--correctness-tests", "2"};
}

// (case, strategy seq) -> candidate id of every record: what the strategies proposed.
inline std::map<std::string, std::string> proposals_of(const fs::path& session) {
  std::map<std::string, std::string> m;
  for (const auto& r : read_records(session)) {
    const nlohmann::json c{{"op", r["op"]}, {"dtype", r["dtype"]}, {"shape", r["shape"]}, {"params", r["params"]},
                           {"seed", r["input_seed"]}, {"seq", r["strategy"]["seq"]}};
    m[c.dump()] = r["id"];
  }
  return m;
}

// Starts `foundry args` in a process group of its own (output discarded);
// returns its pid, which is also the group's id.
inline pid_t start_in_group(std::vector<std::string> args, const fs::path& cache) {
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    setenv("FOUNDRY_CACHE_DIR", cache.c_str(), 1);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    std::vector<char*> av{const_cast<char*>(kFoundryBinary.c_str())};
    for (auto& a : args) av.push_back(a.data());
    av.push_back(nullptr);
    execv(kFoundryBinary.c_str(), av.data());
    _exit(127);
  }
  setpgid(pid, pid);  // also here, so a kill right after the fork reaches the group
  return pid;
}

// A process as /proc shows it.
struct ProcessInfo {
  pid_t pid = 0, ppid = 0;
  std::string comm, cmdline;  // cmdline: arguments separated by NULs
  char state = 0;             // R running, S sleeping, ...
};

// `root` and every process below it.
inline std::vector<ProcessInfo> process_tree(pid_t root) {
  std::map<pid_t, ProcessInfo> all;
  for (const auto& e : fs::directory_iterator("/proc", fs::directory_options::skip_permission_denied)) {
    const std::string name = e.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat_in(e.path() / "stat");
    const std::string stat((std::istreambuf_iterator<char>(stat_in)), std::istreambuf_iterator<char>());
    const auto open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close + 4 >= stat.size()) continue;
    ProcessInfo p;
    p.pid = std::stoi(name);
    p.comm = stat.substr(open + 1, close - open - 1);
    p.state = stat[close + 2];
    p.ppid = std::atoi(stat.c_str() + close + 4);
    std::ifstream cmd_in(e.path() / "cmdline");
    p.cmdline.assign((std::istreambuf_iterator<char>(cmd_in)), std::istreambuf_iterator<char>());
    all[p.pid] = p;
  }
  std::vector<ProcessInfo> tree;
  if (all.count(root)) tree.push_back(all[root]);
  for (std::size_t i = 0; i < tree.size(); ++i)
    for (const auto& [pid, p] : all)
      if (p.ppid == tree[i].pid) tree.push_back(p);
  return tree;
}

// SIGKILLs the group of `pid` (coordinator, workers) and every process below
// it (compilers run in groups of their own), and reaps it.
inline void kill_group(pid_t pid) {
  const auto tree = process_tree(pid);
  kill(-pid, SIGKILL);
  for (const auto& p : tree) kill(p.pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

// Starts `foundry args` and kills its group once `session` holds at least
// `records` records; returns how many it held then.
inline std::size_t run_and_kill(std::vector<std::string> args, const fs::path& session, std::size_t records,
                                const fs::path& cache, double timeout_s = 300) {
  const pid_t pid = start_in_group(std::move(args), cache);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    if (fs::exists(session / "attempts.ndjson") && read_records(session).size() >= records) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill_group(pid);
  return read_records(session).size();
}

}  // namespace foundry_test
