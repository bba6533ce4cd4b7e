// `foundry run`: generate, check and benchmark variants into a session.
#include <unistd.h>

#include <cmath>
#include <ctime>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "backends/backend.hpp"
#include "backends/backend_table.hpp"
#include "cli/command.hpp"
#include "ops/registry.hpp"
#include "report/analysis.hpp"
#include "report/run_summary.hpp"
#include "run/coordinator.hpp"
#include "run/strategy.hpp"

namespace foundry::cli {

namespace {

struct RunOptions {
  RunConfig cfg;
  std::filesystem::path templates;
  std::vector<std::string> shapes{"all"};
  std::vector<std::string> dtypes{"f32", "f16", "bf16"};
  std::string session_dir;
  std::string cache_root = default_cache_root().string();
  std::vector<std::string> shape, params;  // NAME=VALUE case selectors
  double bench_timeout = 30;
  bool no_flush = false;
  bool list_cases = false;
};

std::string default_session_dir() {
  const std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  return std::string("runs/") + stamp;
}

int run_main(RunOptions& o, const CLI::App& sub) {
  RunConfig& cfg = o.cfg;
  if (sub.count("-n") > 0 && sub.count("--n-per-case") > 0)
    throw std::invalid_argument("-n and --n-per-case: give one budget (per op, or per case)");
  if (sub.count("--stage") > 0) {
    int top = 0;
    for (const auto& op : Registry::instance().ops()) top = std::max(top, op->stage);
    if (cfg.curriculum.stage > top)
      throw std::invalid_argument(fmt::format("--stage {}: the curriculum has stages 1 to {}", cfg.curriculum.stage, top));
  }
  cfg.template_root = o.templates;
  cfg.session_dir = o.session_dir.empty() ? default_session_dir() : o.session_dir;
  cfg.cache_root = o.cache_root;
  cfg.limits.phase_s = o.bench_timeout;
  cfg.workers_given = sub.count("--workers") > 0;
  cfg.bench.flush_cache = !o.no_flush;
  cfg.bench.min_repeats = std::min(cfg.bench.min_repeats, cfg.bench.max_repeats);
  cfg.regimes.clear();
  for (const auto& s : o.shapes) {
    if (s == "all") {
      cfg.regimes = all_regimes();
      break;
    }
    cfg.regimes.push_back(*parse_regime(s));
  }
  for (const auto& [k, v] : name_value_pairs(o.shape, "--shape")) {
    if (v != std::floor(v)) throw std::invalid_argument(fmt::format("--shape {}={}: sizes are integers", k, v));
    cfg.cases.shape[k] = static_cast<int64_t>(v);
  }
  cfg.cases.params = name_value_pairs(o.params, "--param");
  cfg.dtypes.clear();
  for (const auto& d : o.dtypes) cfg.dtypes.push_back(*parse_dtype(d));
  cfg.progress_tty = isatty(2);
  cfg.command_line = invocation();
  if (o.list_cases) {
    for (const auto& c : planned_cases(cfg))
      std::cout << nlohmann::json{{"op", c.spec.op},         {"dtype", to_string(c.spec.dtype)},
                                  {"regime", to_string(c.spec.regime)}, {"shape", c.spec.shape},
                                  {"params", c.spec.params}, {"budget", c.budget}}
                       .dump()
                << "\n";
    return 0;
  }
  RunSummary s = run(cfg);
  std::vector<std::string> st;
  for (const auto& [k, v] : s.by_status) st.push_back(fmt::format("{}={}", k, v));
  std::cout << fmt::format("session {}: {} proposed ({}), {} already recorded, {} recorded now ({})\n",
                           cfg.session_dir.string(), s.planned, cfg.mode, s.skipped, s.recorded, fmt::join(st, ", "));
  if (s.searches_restored + s.searches_rebuilt > 0)
    std::cout << fmt::format("resumed: {} case searches from their saved state, {} rebuilt from the log\n",
                             s.searches_restored, s.searches_rebuilt);
  if (s.recorded > 0)
    std::cout << fmt::format("time: {:.1f} s ({:.2f} variants/s): compile {:.1f} s, check and bench {:.1f} s\n", s.total_s,
                             s.recorded / s.total_s, s.compile_s, s.evaluate_s);
  if (cfg.curriculum.automatic)
    std::cout << fmt::format("curriculum: reached stage {}{}\n", s.stage, s.locked.empty() ? "" : "; " + s.locked);
  if (s.pairs_total > 0)
    std::cout << fmt::format("pairwise coverage of knob values by the {} searches: {:.1f}% ({} of {} pairs of the cases' templates)\n",
                             cfg.mode, 100.0 * static_cast<double>(s.pairs_covered) / static_cast<double>(s.pairs_total),
                             s.pairs_covered, s.pairs_total);
  if (s.confirm_checks > 0)
    std::cout << fmt::format("confirm: {} checks in {:.1f} s; best variants confirmed {}, failed on fresh seeds {}, "
                             "nondeterministic {}{} (labels; failed ones are never best)\n",
                             s.confirm_checks, s.confirm_s, s.confirmed, s.unconfirmed, s.nondeterministic,
                             cfg.sanitize ? fmt::format(", reported by a sanitizer {}", s.sanitizer) : "");
  std::cout << fmt::format("attempts: {}\n", (cfg.session_dir / "attempts.ndjson").string());
  report::AnalysisOptions ao;
  ao.templates = o.templates;
  try {
    std::cout << report::run_summary_text(*report::analyse({cfg.session_dir}, ao), cfg.session_dir);
  } catch (const std::exception& e) {  // the run is recorded; only its summary is missing
    std::cout << "no summary: " << e.what() << "\n";
  }
  return 0;
}

}  // namespace

Command run_command() {
  return {"run", "generate, check and benchmark kernel variants into a session", [](CLI::App& sub) -> Handler {
            auto o = std::make_shared<RunOptions>();
            RunConfig& cfg = o->cfg;
            add_template_option(sub, o->templates);
            o->bench_timeout = cfg.limits.phase_s;
            sub.add_option("--ops", cfg.ops, "ops to run (default: every op with templates for the backend)")->delimiter(',');
            sub.add_option("-n,--n", cfg.budget.per_op, "variants per op, spread over its cases")->check(CLI::Range(1, 100000000));
            sub.add_option("--n-per-case", cfg.budget.per_case, "variants per case (dtype x shape x params) instead of per op")
                ->check(CLI::Range(1, 100000000));
            sub.add_option("--backend", cfg.backend, "backend")->check(CLI::IsMember(backend_names()));
            sub.add_option("--workers", cfg.workers, "worker processes that check and benchmark")->check(CLI::Range(1, 256));
            sub.add_option("--jobs", cfg.jobs, "parallel compiles (default: number of cores)")->check(CLI::Range(0, 4096));
            sub.add_option("--mode", cfg.mode, "search strategy")->check(CLI::IsMember(strategy_names()));
            StrategyOptions& so = cfg.strategy_options;
            sub.add_option("--cem-generation", so.cem_generation, "cem: points sampled per generation")->capture_default_str();
            sub.add_option("--cem-elite", so.cem_elite, "cem: share of a generation kept as elites, in (0, 1)")
                ->capture_default_str();
            sub.add_option("--cem-smoothing", so.cem_smoothing, "cem: weight of the elites' frequencies in an update, in (0, 1]")
                ->capture_default_str();
            sub.add_option("--cem-floor", so.cem_floor, "cem: least probability of any template or knob value, in [0, 0.5)")
                ->capture_default_str();
            sub.add_option("--seed", cfg.seed, "strategy and input seed (0 .. 2^64-1)")->check(unsigned_integer());
            sub.add_option("--shape", o->shape, "NAME=VALUE: only cases whose shape has it (repeatable), e.g. --shape rows=8")
                ->delimiter(',');
            sub.add_option("--param", o->params, "NAME=VALUE: only cases with this param value (repeatable)")->delimiter(',');
            sub.add_option("--stage", cfg.curriculum.stage, "only ops of curriculum stages up to this one")
                ->check(CLI::Range(1, 1000));
            sub.add_flag("--auto-curriculum", cfg.curriculum.automatic,
                         "start with the first stage; open the next once every op of the current one has its share of correct variants");
            sub.add_option("--unlock-share", cfg.curriculum.unlock_share,
                           "auto-curriculum: share of an op's attempts that must be correct (0.5)")
                ->check(CLI::Range(0.0, 1.0));
            sub.add_option("--unlock-attempts", cfg.curriculum.unlock_attempts,
                           "auto-curriculum: attempts an op needs before its share counts (8)")
                ->check(CLI::Range(1, 100000000));
            sub.add_option("--shapes", o->shapes, "shape regimes: decode, prefill, odd or all")
                ->delimiter(',')
                ->check(CLI::IsMember({"decode", "prefill", "odd", "all"}));
            sub.add_option("--dtypes", o->dtypes, "dtypes: f32 f16 bf16")->delimiter(',')->check(CLI::IsMember({"f32", "f16", "bf16"}));
            sub.add_option("--session-dir", o->session_dir,
                           "session directory (created; an existing one is resumed; default runs/<date>-<time>)");
            sub.add_option("--correctness-tests", cfg.correctness_tests, "seeds each variant is checked on")->check(CLI::Range(1, 64));
            sub.add_option("--warmup", cfg.bench.warmup, "untimed runs before timing")->check(CLI::Range(0, 10000));
            sub.add_option("--repeats", cfg.bench.max_repeats, "maximum timed runs (stops earlier once the median is stable)")
                ->check(CLI::Range(1, 1000000));
            sub.add_option("--bench-timeout", o->bench_timeout,
                           "seconds a variant may take in each of its check and bench phases before it is killed as a hang")
                ->check(CLI::Range(0.001, 86400.0));
            sub.add_option("--worker-cpu-s", cfg.limits.cpu_s,
                           "CPU seconds (all threads) a variant may use in each check and bench phase (default: the "
                           "phase timeout x cores + 1)")
                ->check(CLI::Range(0.001, 1e7));
            sub.add_option("--worker-memory-mib", cfg.limits.memory_mib,
                           "address space a variant may add to its worker, MiB (default: from the case's size)")
                ->check(CLI::Range(1.0, 1e9));
            sub.add_option("--worker-open-files", cfg.limits.open_files, "open files a worker may hold (256)")
                ->check(CLI::Range(16, 1 << 20));
            sub.add_flag("!--no-worker-guard", cfg.limits.guard,
                         "run cpu workers without resource limits and without the filter against file writes");
            sub.add_option("--cxx", cfg.cxx, "host C++ compiler for the cpu backend (default: $CXX or c++)");
            sub.add_option("--cache-dir", o->cache_root, "compile cache and measured ceilings")->envname("FOUNDRY_CACHE_DIR");
            sub.add_flag("--compile-only", cfg.compile_only, "build every proposed variant and record its resources (status compiled), run none");
            sub.add_option("--arch", cfg.arch, "cuda: GPU architecture to compile for, e.g. sm_90 (default: the GPU's)");
            sub.add_option("--confirm", cfg.confirm_top,
                           "after the run, check the best N trusted variants of each case again on fresh seeds (1; 0: none)");
            sub.add_option("--ref-cache-gib", cfg.ref_cache_gib,
                           "inputs and float64 references of large cases (16 MiB and more) kept under the cache directory "
                           "for later runs on the same cases, at most this many GiB, oldest dropped first (0: none); "
                           "not with guarded cpu workers")
                ->check(CLI::Range(0.0, 1e6));
            sub.add_option("--confirm-repeats", cfg.confirm_repeats,
                           "runs of each test of a confirmed variant on the same inputs; one that writes other bits than "
                           "the first is labelled nondeterministic (3; 1: none)")
                ->check(CLI::Range(1, 64));
            sub.add_flag("--sanitize", cfg.sanitize,
                         "cuda: also run those variants' checks under compute-sanitizer memcheck and racecheck");
            sub.add_flag("--host-checks", cfg.host_checks,
                         "cuda: copy outputs back and check them on the host, also where the GPU would check them");
            sub.add_flag("--no-flush", o->no_flush, "do not evict the cache between timed runs");
            sub.add_flag("--list-cases", o->list_cases,
                         "print the cases the run would cover, one JSON line each (op, dtype, regime, shape, params, "
                         "budget), and stop: nothing is compiled, run or recorded");
            sub.add_option("--inject-faults", cfg.inject_faults,
                           "share of proposals (0..1) that also get a deliberately broken twin (compile error or an unwritten "
                           "last block), recorded with strategy \"injected\" and never told to the strategy (0)")
                ->check(CLI::Range(0.0, 1.0));
            return [o, &sub] { return run_main(*o, sub); };
          }};
}

}  // namespace foundry::cli
