// One variant's checks run in a worker under a sanitizer (compute-sanitizer's
// memcheck or racecheck), its report read from a log file of its own: the
// worker's stdout stays the protocol's.
#pragma once
#include <string>

#include "harness/eval_channel.hpp"

namespace foundry {

struct SanitizerOutcome {
  Status status = Status::ok;  // of the checks themselves
  int errors = 0;              // what the tool reported; -1: it gave no summary
  std::string report;          // the first reported errors, or why there is no summary
};

// compute-sanitizer on PATH, in $CUDA_HOME/bin or /usr/local/cuda/bin; empty if none.
std::string find_compute_sanitizer();

// Runs `exe worker --backend B` under `sanitizer --tool TOOL` for one
// request (its checks only) and reads the tool's summary.
SanitizerOutcome run_sanitized(const std::string& sanitizer, const std::string& tool, const std::string& exe,
                               const std::string& backend, int gpu, EvalRequest req, const WorkerLimits& limits);

// The error count of a compute-sanitizer log ("ERROR SUMMARY: N errors", or
// racecheck's "(N errors, M warnings)"); -1 when it has no summary.
int sanitizer_error_count(const std::string& log);

}  // namespace foundry
