// `foundry run`: the coordinator. It samples candidates, compiles them in a
// thread pool, hands them to worker processes grouped by case, and is the only
// writer of the session log.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "backends/backend_table.hpp"
#include "core/types.hpp"
#include "harness/evaluate.hpp"
#include "harness/worker_process.hpp"

namespace foundry {

struct RunConfig {
  std::vector<std::string> ops;  // empty: every op with templates for the backend
  int per_op = 8;
  std::string backend = kDefaultBackend;
  int workers = 1;
  bool workers_given = false;  // cuda: default one worker per visible GPU
  bool compile_only = false;   // build and record resources; run nothing
  std::string arch;            // cuda: sm_XX (default: the GPU's)
  bool host_checks = false;    // cuda: compare every output on the host, none on the GPU
  int jobs = 0;  // parallel compiles; 0 = number of cores
  std::string mode = "random";
  uint64_t seed = 1;
  std::vector<Regime> regimes;
  std::vector<DType> dtypes;
  std::filesystem::path session_dir;
  std::filesystem::path template_root;
  std::filesystem::path cache_root;
  std::string cxx;
  int correctness_tests = 3;
  BenchConfig bench;
  WorkerLimits limits;
  bool progress_tty = false;  // live line on a terminal, else periodic plain lines
  std::string command_line;
};

struct RunSummary {
  int planned = 0;
  int skipped = 0;  // already recorded in the session
  int recorded = 0;
  std::map<std::string, int> by_status;
  double compile_s = 0;   // wall time of the compile phases
  double evaluate_s = 0;  // wall time of the check-and-bench phases
  double total_s = 0;     // wall time from the first compile to the last record
};

// Throws std::invalid_argument / std::runtime_error with a message naming the
// bad op, flag, file or directory.
RunSummary run(const RunConfig& cfg);

}  // namespace foundry
