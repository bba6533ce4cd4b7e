#include "run/run.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <future>
#include <limits>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "backends/backend_table.hpp"
#include "core/expr.hpp"
#include "ops/registry.hpp"
#include "run/record.hpp"
#include "run/sampler.hpp"
#include "run/session.hpp"

namespace foundry {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Progress {
  std::mutex mu;
  int total = 0, done = 0, ok = 0;
  std::map<std::string, int> failed;
  std::map<std::string, double> best_pct;  // op -> best pct_of_copy
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_print{};
  int last_printed_done = -1;
  bool tty = false;

  void add(const json& rec) {
    std::lock_guard lk(mu);
    ++done;
    const std::string st = rec["status"];
    if (st == "ok") {
      ++ok;
      const auto& pct = rec["bench"]["pct_of_copy"];
      if (pct.is_number()) best_pct[rec["op"]] = std::max(best_pct[rec["op"]], pct.get<double>());
    } else {
      ++failed[st];
    }
    print(false);
  }

  std::string line() const {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::string fails;
    for (const auto& [k, v] : failed) fails += fmt::format(" {}={}", k, v);
    std::string best;
    for (const auto& [op, pct] : best_pct) best += fmt::format(" {}:{:.0f}%", op, pct);
    return fmt::format("[{}/{}] ok={}{} | {:.2f}/s | best %copy{}", done, total, ok, fails,
                       secs > 0 ? done / secs : 0.0, best.empty() ? " -" : best);
  }

  void print(bool final) {
    auto now = std::chrono::steady_clock::now();
    if (tty) {
      std::fprintf(stderr, "\r\033[K%s%s", line().c_str(), final ? "\n" : "");
    } else if ((final && last_printed_done != done) || now - last_print > std::chrono::seconds(5)) {
      std::fprintf(stderr, "%s\n", line().c_str());
      last_print = now;
      last_printed_done = done;
    }
    std::fflush(stderr);
  }
};

struct Job {
  PlannedCandidate* pc;
  std::string source_path;
  BuildResult build;
  Launch launch;
};

std::string self_exe() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot locate the foundry executable for worker processes");
  return p.string();
}

}  // namespace

RunSummary run(const RunConfig& cfg) {
  const BackendRow& row = backend_row(cfg.backend);  // unknown backend -> error naming it
  if (cfg.mode != "random") throw std::invalid_argument(fmt::format("--mode {}: unknown sampler (available: random)", cfg.mode));
  if (cfg.per_op < 1) throw std::invalid_argument(fmt::format("--n {}: must be at least 1", cfg.per_op));
  if (cfg.workers < 1) throw std::invalid_argument(fmt::format("--workers {}: must be at least 1", cfg.workers));
  if (cfg.correctness_tests < 1)
    throw std::invalid_argument(fmt::format("--correctness-tests {}: must be at least 1", cfg.correctness_tests));

  const auto& reg = Registry::instance();
  for (const auto& o : cfg.ops) reg.get(o);  // unknown op -> error naming it

  auto templates = discover_templates(cfg.template_root);
  std::map<std::string, std::vector<const KernelTemplate*>> by_op;
  for (const auto& t : templates)
    if (t.backend == cfg.backend) by_op[t.op].push_back(&t);
  for (auto& [op, ts] : by_op)
    if (!reg.find(op)) throw std::runtime_error(fmt::format("templates for unknown op '{}' under {}", op, cfg.template_root.string()));

  std::vector<const OpContract*> ops;
  if (cfg.ops.empty()) {
    for (const auto& o : reg.ops())
      if (by_op.count(o->name)) ops.push_back(o.get());
  } else {
    for (const auto& o : cfg.ops) {
      if (!by_op.count(o)) throw std::invalid_argument(fmt::format("op '{}' has no {} templates yet", o, cfg.backend));
      ops.push_back(&reg.get(o));
    }
  }

  std::unique_ptr<Backend> backend_ptr = row.make_backend(BackendOptions{cfg.cxx, cfg.arch, cfg.cache_root});
  backend_ptr->require_runnable(cfg.compile_only);
  // The workers' device-side check (cuda: a CUBIN); "" where outputs are checked on the host.
  const std::string checker = cfg.compile_only ? "" : backend_ptr->checker_artifact();
  const Backend& backend = *backend_ptr;
  Session session(cfg.session_dir);

  RecordEnv env;
  env.backend = backend.name();
  env.device = backend.device_name();
  env.compiler = backend.compiler_identity();
  if (!cfg.compile_only)
    env.copy_gbps = row.copy_gbps(cfg.cache_root, env.device);
  env.run_seed = cfg.seed;
  env.timer = row.timer;

  // session.json keeps the first run's header and appends each run's config.
  json sj = session.read_json("session.json");
  if (!sj.is_object()) sj = json{{"created", now_iso()}, {"runs", json::array()}};
  sj["foundry_version"] = FOUNDRY_VERSION;
  sj["backend"] = env.backend;
  sj["device"] = env.device;
  sj["compiler"] = env.compiler;
  sj["copy_gbps"] = env.copy_gbps;
  std::vector<std::string> regime_names, dtype_names, op_names;
  for (auto r : cfg.regimes) regime_names.push_back(to_string(r));
  for (auto d : cfg.dtypes) dtype_names.push_back(to_string(d));
  for (auto* o : ops) op_names.push_back(o->name);
  sj["runs"].push_back({{"command", cfg.command_line}, {"ops", op_names}, {"n_per_op", cfg.per_op}, {"mode", cfg.mode},
                        {"seed", cfg.seed}, {"shapes", regime_names}, {"dtypes", dtype_names},
                        {"correctness_tests", cfg.correctness_tests}, {"warmup", cfg.bench.warmup},
                        {"compile_only", cfg.compile_only}, {"host_checks", cfg.host_checks},
                        {"max_repeats", cfg.bench.max_repeats}, {"workers", cfg.workers}});
  session.write_json("session.json", sj);

  // Plan every op's candidates; drop those already recorded.
  SamplerConfig sc{cfg.mode, cfg.seed, cfg.per_op, cfg.regimes, cfg.dtypes};
  std::vector<PlannedCandidate> plan;
  RunSummary summary;
  json sampler_state{{"mode", cfg.mode}, {"seed", cfg.seed}, {"per_op", json::object()}};
  for (const auto* op : ops) {
    auto p = plan_random(*op, by_op[op->name], backend, sc);
    sampler_state["per_op"][op->name] = p.size();
    // Candidates of one case side by side: a worker builds each case's inputs
    // and float64 reference once (seconds at GPU prefill sizes), not once per batch.
    std::vector<std::pair<std::string, std::size_t>> order;
    for (std::size_t i = 0; i < p.size(); ++i) order.emplace_back(case_key(p[i].candidate), i);
    std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<PlannedCandidate> sorted;
    for (const auto& [key, i] : order) sorted.push_back(std::move(p[i]));
    p = std::move(sorted);
    for (auto& c : p) {
      ++summary.planned;
      if (session.recorded(c.candidate.id)) {
        ++summary.skipped;
        continue;
      }
      plan.push_back(std::move(c));
    }
  }
  session.write_json("sampler_state.json", sampler_state);

  Progress progress;
  progress.total = static_cast<int>(plan.size());
  progress.tty = cfg.progress_tty;
  auto record = [&](const json& rec) {
    if (session.append(rec)) {
      progress.add(rec);
      std::lock_guard lk(progress.mu);
      ++summary.recorded;
      ++summary.by_status[rec["status"].get<std::string>()];
    }
  };

  const int64_t cores = std::max(1L, sysconf(_SC_NPROCESSORS_ONLN));
  const int jobs = cfg.jobs > 0 ? cfg.jobs : static_cast<int>(cores);
  const std::size_t batch = static_cast<std::size_t>(std::max(16, 4 * jobs));
  std::vector<std::unique_ptr<WorkerProcess>> workers;
  const std::string exe = self_exe();
  if (!cfg.compile_only) {
    // cuda: one worker per visible GPU, each seeing only its own (one benchmark
    // at a time per GPU); cpu: as many as asked for.
    for (int device : backend.worker_devices(cfg.workers, cfg.workers_given))
      workers.push_back(std::make_unique<WorkerProcess>(exe, cfg.backend, device));
  }

  // Compiles one batch in parallel; returns the jobs that built.
  auto compile_batch = [&](std::size_t b0, std::size_t b1) {
    std::vector<Job> compiled;
    std::mutex cmu;
    std::atomic<std::size_t> next{b0};
    auto compile_worker = [&] {
      for (std::size_t i = next++; i < b1; i = next++) {
        PlannedCandidate& pc = plan[i];
        const Candidate& c = pc.candidate;
        const OpContract& op = reg.get(c.op);
        std::string src_path = session.write_kernel(c.source_sha256, backend.source_extension(), c.source);
        if (!pc.violated.empty()) {
          record(make_record(op, c, src_path, Status::invalid_knobs, "constraint violated: " + pc.violated,
                             std::nullopt, nullptr, nullptr, env));
          continue;
        }
        Launch launch;
        try {
          auto syms = expression_symbols(c.shape, c.knobs);
          launch.grid = eval_int(pc.tmpl->launch.count("grid") ? pc.tmpl->launch.at("grid") : "1", syms);
          const int64_t threads = eval_int(pc.tmpl->launch.count("threads") ? pc.tmpl->launch.at("threads") : "1", syms);
          launch.threads = static_cast<int>(std::clamp<int64_t>(threads, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
          launch.smem = pc.tmpl->launch.count("smem") ? eval_int(pc.tmpl->launch.at("smem"), syms) : 0;
          launch = backend.effective_launch(launch);  // cpu: threads beyond the cores are not real parallelism
        } catch (const std::exception& e) {
          record(make_record(op, c, src_path, Status::launch_error, e.what(), std::nullopt, nullptr, nullptr, env));
          continue;
        }
        BuildResult br = backend.compile(c.source, template_flags(*pc.tmpl, c.knobs));
        if (!br.ok) {
          record(make_record(op, c, src_path, br.status, "compilation failed", launch, &br, nullptr, env));
          continue;
        }
        if (std::string over = backend.launch_limit(launch, br); !over.empty()) {
          record(make_record(op, c, src_path, Status::resource_limit, over, launch, &br, nullptr, env));
          continue;
        }
        if (cfg.compile_only) {
          record(make_record(op, c, src_path, Status::compiled, "", launch, &br, nullptr, env));
          continue;
        }
        std::lock_guard lk(cmu);
        compiled.push_back(Job{&pc, src_path, std::move(br), launch});
      }
    };
    const auto t_compile = std::chrono::steady_clock::now();
    std::vector<std::thread> cthreads;
    for (int j = 0; j < jobs; ++j) cthreads.emplace_back(compile_worker);
    for (auto& t : cthreads) t.join();
    std::lock_guard lk(progress.mu);
    summary.compile_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t_compile).count();
    return compiled;
  };

  // Evaluates compiled jobs, grouped by case so a worker reuses inputs and reference.
  auto evaluate_batch = [&](std::vector<Job>& compiled) {
    const auto t_evaluate = std::chrono::steady_clock::now();
    std::map<std::string, std::vector<Job*>> groups;
    for (auto& j : compiled) groups[case_key(j.pc->candidate)].push_back(&j);
    std::deque<std::vector<Job*>> queue;
    for (auto& [k, g] : groups) queue.push_back(g);
    std::mutex qmu;
    auto eval_worker = [&](WorkerProcess& wp) {
      for (;;) {
        std::vector<Job*> g;
        {
          std::lock_guard lk(qmu);
          if (queue.empty()) return;
          g = std::move(queue.front());
          queue.pop_front();
        }
        for (Job* j : g) {
          const Candidate& c = j->pc->candidate;
          const OpContract& op = reg.get(c.op);
          EvalRequest req{c.op, c.dtype, c.shape, c.params, c.input_seed, j->build.artifact.string(),
                          j->launch.grid, j->launch.threads, j->launch.smem, cfg.correctness_tests, cfg.bench,
                          checker, cfg.host_checks};
          EvalResult er = wp.evaluate(req, cfg.limits);
          record(make_record(op, c, j->source_path, er.status, er.error, j->launch, &j->build, &er, env));
        }
      }
    };
    std::vector<std::thread> ethreads;
    for (auto& w : workers) ethreads.emplace_back(eval_worker, std::ref(*w));
    for (auto& t : ethreads) t.join();
    summary.evaluate_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t_evaluate).count();
  };

  // cpu: compile, then time with nothing else running. cuda: the next batch
  // compiles on the host while the GPU checks and times this one.
  const bool overlap = backend.overlaps_compile();
  // There the first batch is one round of compiles, so the worker starts on the
  // first case's inputs and references while the rest compiles.
  std::vector<std::size_t> bounds{0};
  for (std::size_t b = overlap ? std::min(batch, static_cast<std::size_t>(jobs)) : batch;; b += batch) {
    bounds.push_back(std::min(b, plan.size()));
    if (b >= plan.size()) break;
  }
  std::vector<Job> current = compile_batch(bounds[0], bounds[1]);
  for (std::size_t k = 1; k < bounds.size(); ++k) {
    const bool more = k + 1 < bounds.size();
    std::future<std::vector<Job>> next;
    if (more && overlap) next = std::async(std::launch::async, compile_batch, bounds[k], bounds[k + 1]);
    if (!current.empty()) evaluate_batch(current);
    if (!more) break;
    current = overlap ? next.get() : compile_batch(bounds[k], bounds[k + 1]);
  }
  progress.print(true);
  summary.total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - progress.start).count();

  // The run's entry in session.json gets its outcome.
  json& entry = sj["runs"].back();
  entry["recorded"] = summary.recorded;
  entry["skipped"] = summary.skipped;
  entry["by_status"] = summary.by_status;
  entry["seconds"] = {{"compile", summary.compile_s}, {"evaluate", summary.evaluate_s}, {"total", summary.total_s}};
  session.write_json("session.json", sj);
  return summary;
}

}  // namespace foundry
