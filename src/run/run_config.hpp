// What `foundry run` is asked to do, and what it reports back.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "backends/backend_table.hpp"
#include "core/types.hpp"
#include "harness/eval_channel.hpp"
#include "run/case_schedule.hpp"
#include "run/strategy.hpp"

namespace foundry {

// Which stages of the registry's curriculum a run covers.
struct Curriculum {
  int stage = 0;             // --stage K: only ops of stages up to K (0: every stage)
  bool automatic = false;    // --auto-curriculum: start at the first stage, unlock the next as ops learn
  double unlock_share = 0.5;  // --unlock-share: correct variants an op needs, as a share of its attempts ...
  int unlock_attempts = 8;    // --unlock-attempts: ... over at least this many attempts
};

struct RunConfig {
  std::vector<std::string> ops;  // empty: every op with templates for the backend
  Budget budget;
  CaseFilter cases;  // --shape / --param: only the cases with these values
  std::string backend = kDefaultBackend;
  int workers = 1;
  bool workers_given = false;  // cuda: default one worker per visible GPU
  bool compile_only = false;   // build and record resources; run nothing
  std::string arch;            // cuda: sm_XX (default: the GPU's)
  bool host_checks = false;    // cuda: compare every output on the host, none on the GPU
  int jobs = 0;                // parallel compiles; 0 = number of cores
  std::string mode = "random"; // the search strategy (strategy_table())
  Curriculum curriculum;
  double inject_faults = 0;    // --inject-faults: share of proposals that get a deliberately broken twin
  StrategyOptions strategy_options;  // --cem-*
  uint64_t seed = 1;
  std::vector<Regime> regimes;
  std::vector<DType> dtypes;
  std::filesystem::path session_dir;
  std::filesystem::path template_root;
  std::filesystem::path cache_root;
  std::string cxx;
  int correctness_tests = 3;
  int confirm_top = 1;    // --confirm: best variants per case checked again on fresh seeds after the run
  double ref_cache_gib = 0;  // --ref-cache-gib: large cases' inputs and references kept between runs (0: not)
  int confirm_repeats = 3;  // --confirm-repeats: ... and run this often on the same inputs (1: not)
  bool sanitize = false;  // --sanitize: ... and under the backend's sanitizer tools
  BenchConfig bench;
  WorkerLimits limits;
  bool progress_tty = false;  // live line on a terminal, else periodic plain lines
  std::string command_line;
};

struct RunSummary {
  int planned = 0;   // proposals made by the strategies this run
  int skipped = 0;   // of those, already recorded in the session
  int recorded = 0;  // records appended this run
  std::map<std::string, int> by_status;
  int searches_restored = 0;  // case searches continued from the saved state
  int searches_rebuilt = 0;   // case searches rebuilt by replaying the log
  int stage = 0;              // the highest stage unlocked (curriculum runs)
  std::string locked;         // why the next stage stayed locked, if one did
  double compile_s = 0;       // wall time of the compile phases
  double evaluate_s = 0;      // wall time of the check-and-bench phases
  double total_s = 0;         // wall time from the first ask to the last record
  // Pairwise coverage of the knob values of each (case, template) by the
  // valid variants this strategy's searches were told of in the session.
  std::size_t pairs_covered = 0;
  std::size_t pairs_total = 0;
  // The confirm pass: checks run, and the variants they confirmed or caught.
  int confirm_checks = 0;
  int confirmed = 0, unconfirmed = 0, sanitizer = 0, nondeterministic = 0;
  double confirm_s = 0;
};

}  // namespace foundry
