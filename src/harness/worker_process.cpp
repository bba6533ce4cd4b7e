#include "harness/worker_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <iostream>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "backends/backend_table.hpp"
#include "harness/worker_guard.hpp"
#include "harness/worker_protocol.hpp"

namespace foundry {

using nlohmann::json;

WorkerProcess::WorkerProcess(std::string exe, std::string backend, int gpu, std::vector<std::string> launcher)
    : exe_(std::move(exe)), backend_(std::move(backend)), gpu_(gpu), launcher_(std::move(launcher)) {}

WorkerProcess::~WorkerProcess() { kill_worker(); }

void WorkerProcess::start(bool guard) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    if (gpu_ >= 0) setenv("CUDA_VISIBLE_DEVICES", std::to_string(gpu_).c_str(), 1);
    std::vector<std::string> args = launcher_;
    for (const char* a : {exe_.c_str(), "worker", "--backend", backend_.c_str(), guard ? "--guard" : "--no-guard"})
      args.emplace_back(a);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  pid_ = pid;
  to_worker_ = in[1];
  from_worker_ = out[0];
  pending_.clear();
}

int WorkerProcess::finish(double timeout_s) {
  if (pid_ <= 0) return -1;
  close(to_worker_);  // the worker serves until EOF, then exits
  to_worker_ = -1;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  int st = 0;
  for (;;) {
    pid_t r = waitpid(pid_, &st, WNOHANG);
    if (r == pid_) break;
    if (r < 0 || std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &st, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  close(from_worker_);
  pid_ = -1;
  return st;
}

void WorkerProcess::kill_worker() {
  if (pid_ <= 0) return;
  if (to_worker_ >= 0) close(to_worker_);
  close(from_worker_);
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

namespace {

// Why a guarded worker died, where a limit explains it: SIGXCPU is its CPU
// limit; a fatal signal at an address space within reach of its limit (the
// allocation that failed was at most that much) is the memory limit.
bool limit_explains_death(int sig, const std::optional<WorkerDeath>& died, const GuardLimits& g,
                          const std::string& phase, EvalResult& res) {
  if (sig == SIGXCPU) {
    res.status = Status::timeout;
    res.error = fmt::format("CPU time limit ({:g} s per phase, all threads) reached during {}; worker killed by SIGXCPU",
                            phase == "prepare" ? g.prepare_cpu_s : g.cpu_s, phase);
    return true;
  }
  if (!died || !died->as_limit) return false;
  const double vm = static_cast<double>(died->vm_bytes), limit = static_cast<double>(*died->as_limit);
  const double reach = std::max(64.0 * (1 << 20), static_cast<double>(g.memory_bytes) / 8);
  if (vm < limit - reach) return false;
  res.status = Status::resource_limit;
  res.error = fmt::format("address-space limit reached during {}: {:.0f} of {:.0f} MiB in use when the worker died of signal {} ({})",
                          phase, vm / (1 << 20), limit / (1 << 20), sig, strsignal(sig));
  return true;
}

}  // namespace

void WorkerProcess::prepare(const WorkerLimits& limits) {
  if (pid_ > 0) return;
  // Before the first kernel runs: whether its workers are guarded, never silently.
  static std::once_flag said;
  if (backend_row(backend_).guard_workers)
    std::call_once(said, [&] { std::cerr << (isatty(2) ? "\r\033[K" : "") << guard_line(limits) << std::flush; });
  start(limits.guard && backend_row(backend_).guard_workers);
}

EvalResult WorkerProcess::evaluate(const EvalRequest& req, const WorkerLimits& limits) {
  const bool guarded = limits.guard && backend_row(backend_).guard_workers;
  prepare(limits);
  EvalResult res;
  GuardLimits g;
  // A guarded worker's soft limits for this candidate, set from outside: the
  // worker's filter keeps it (and its kernels) from raising them.
  auto set_cpu = [&](double seconds) {
    if (guarded) set_soft_limit(pid_, RLIMIT_CPU, static_cast<uint64_t>(std::ceil(process_cpu_s(pid_) + seconds)));
  };
  if (guarded) {
    g = guard_limits_for(req, limits);
    set_soft_limit(pid_, RLIMIT_AS, process_vm_bytes(pid_) + g.memory_bytes);
    set_soft_limit(pid_, RLIMIT_NOFILE, g.open_files);
    set_cpu(g.prepare_cpu_s);
  }
  std::optional<WorkerDeath> died;
  std::string line = to_json(req).dump() + "\n";
  signal(SIGPIPE, SIG_IGN);
  if (write(to_worker_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    kill_worker();
    ++restarts_;
    res.status = Status::harness_error;
    res.error = "could not send the request to the worker";
    return res;
  }
  std::string phase = "prepare";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(limits.prepare_s);
  char buf[65536];
  for (;;) {
    // Handle every complete line already read.
    for (auto nl = pending_.find('\n'); nl != std::string::npos; nl = pending_.find('\n')) {
      WorkerMessage msg = parse_worker_message(pending_.substr(0, nl));
      pending_.erase(0, nl + 1);
      if (msg.kind == WorkerMessage::Kind::phase) {
        phase = msg.phase;
        deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(limits.phase_s);
        set_cpu(g.cpu_s);
      } else if (msg.kind == WorkerMessage::Kind::died) {
        died = msg.died;
      } else if (msg.kind == WorkerMessage::Kind::result) {
        if (msg.result.restart) {  // the worker exits after this answer; start afresh next time
          kill_worker();
          ++restarts_;
        }
        return msg.result;
      } else if (msg.kind == WorkerMessage::Kind::malformed) {
        // Its answer could no longer be told from the next request's: start afresh.
        kill_worker();
        ++restarts_;
        res.status = Status::harness_error;
        res.error = fmt::format("the worker sent a malformed line during {}: {}", phase, msg.error);
        return res;
      }
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      kill_worker();
      ++restarts_;
      res.status = Status::timeout;
      res.error = fmt::format("no answer within {} s during {}; worker killed", phase == "prepare" ? limits.prepare_s : limits.phase_s, phase);
      return res;
    }
    pollfd p{from_worker_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(std::min<long long>(left, 500))) <= 0) continue;
    ssize_t n = read(from_worker_, buf, sizeof buf);
    if (n > 0) {
      pending_.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    // The worker's last words, if it wrote any before dying.
    for (auto nl = pending_.find('\n'); nl != std::string::npos; nl = pending_.find('\n')) {
      const WorkerMessage msg = parse_worker_message(pending_.substr(0, nl));
      pending_.erase(0, nl + 1);
      if (msg.kind == WorkerMessage::Kind::died) died = msg.died;
    }
    // EOF: the worker died.
    int st = 0;
    waitpid(pid_, &st, 0);
    close(to_worker_);
    close(from_worker_);
    pid_ = -1;
    ++restarts_;
    if (WIFSIGNALED(st) && guarded && phase != "prepare" && limit_explains_death(WTERMSIG(st), died, g, phase, res)) {
    } else if (WIFSIGNALED(st)) {
      res.status = phase == "prepare" ? Status::harness_error : Status::runtime_fault;
      res.error = fmt::format("worker killed by signal {} ({}) during {}", WTERMSIG(st), strsignal(WTERMSIG(st)), phase);
    } else {
      res.status = phase == "prepare" ? Status::harness_error : Status::runtime_fault;
      res.error = fmt::format("worker exited with code {} during {}", WIFEXITED(st) ? WEXITSTATUS(st) : -1, phase);
    }
    return res;
  }
}

int worker_main(const std::string& backend, bool guard) {
  // Protocol lines go to a private copy of stdout; anything a kernel prints
  // lands on stderr instead of corrupting the protocol.
  int proto = dup(1);
  dup2(2, 1);
  if (guard) {
    // Before any kernel is loaded. A guard the kernel refuses is stated by the
    // run's startup line (the same install, probed) and here.
    if (const std::string why = install_worker_guard(); !why.empty())
      std::cerr << "foundry worker: the guard is off: " << why << "\n";
    report_fatal_signals(proto);
  }
  FILE* out = fdopen(proto, "w");
  auto send = [&](const json& j) {
    std::string s = j.dump() + "\n";
    fwrite(s.data(), 1, s.size(), out);
    fflush(out);
  };
  std::unique_ptr<Evaluator> ev;
  std::string setup_error;
  try {
    ev = std::make_unique<Evaluator>([&](const std::string& phase) { send({{"phase", phase}}); }, backend);
  } catch (const std::exception& e) {
    setup_error = e.what();  // answered per request, so the run records why
  }
  const int files_before = guard ? count_open_files() : 0;
  for (std::string line; std::getline(std::cin, line);) {
    EvalResult r;
    try {
      if (!ev) throw std::runtime_error("worker could not start its " + backend + " backend: " + setup_error);
      r = ev->evaluate(parse_worker_request(line));
    } catch (const std::exception& e) {
      r.status = Status::harness_error;
      r.error = e.what();
    }
    if (guard) {
      // Files a kernel left open would fail the next candidate's load: a
      // worker that holds more than it started with answers and exits.
      int limit = 0;
      const int files = count_open_files(&limit);
      if (files > files_before) r.restart = true;
      if (files >= limit - 1) {
        r.error = fmt::format("open-file limit ({}) reached: the kernel left {} files open{}", limit, files - files_before,
                              r.status == Status::ok ? "" : "; " + r.error);
        r.status = Status::resource_limit;
        r.latency_us.reset();
      }
    }
    send({{"result", to_json(r)}});
    if (r.restart) _exit(0);  // a faulted device context cannot be trusted again
  }
  return 0;
}

}  // namespace foundry
