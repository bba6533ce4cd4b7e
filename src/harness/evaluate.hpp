// Worker-side judgement of one compiled variant: check on several seeds with
// poisoned outputs, then benchmark what passed, every timed run starting from
// staged inputs and poisoned outputs, and check the timed runs' outputs (each
// where that is cheap, a sample otherwise). Runs inside a worker process.
#pragma once
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "backends/backend_table.hpp"
#include "backends/executor.hpp"
#include "backends/timing.hpp"
#include "core/stats.hpp"
#include "ops/op_contract.hpp"

namespace foundry {

// A case by what its inputs and references depend on.
struct CaseHint {
  std::string op;
  DType dtype = DType::f32;
  Shape shape;
  Params params;
  uint64_t seed = 0;
  int n_tests = 0;  // 0: no case
};

struct EvalRequest {
  std::string op;
  DType dtype = DType::f32;
  Shape shape;
  Params params;
  uint64_t seed = 0;          // base input seed; test t uses a seed derived from it
  std::string artifact;       // compiled shared object (cpu) or CUBIN (cuda)
  int64_t grid = 1;
  int threads = 1;            // cpu: pool threads; cuda: threads per block
  int64_t smem = 0;           // cuda: dynamic shared memory bytes
  int n_tests = 3;
  BenchConfig bench;
  std::string checker;        // cuda: CUBIN of the device-side check and input fingerprint
  bool host_checks = false;   // cuda: compare every output on the host
  bool check_only = false;    // the checks alone, no timed loop (the confirm pass)
  bool prepare_only = false;  // the case's inputs and references built, nothing run (no artifact)
  // Runs of each test in the checks: from the second on, each must pass and
  // write the same bits as the first (the confirm pass's repeat check: a race
  // or an accumulation order that changes between runs shows here).
  int repeats = 1;
  // Where large cases' inputs and references are kept between runs, and at
  // most how many bytes (harness/reference_cache.hpp); empty: not kept.
  std::string ref_cache;
  uint64_t ref_cache_bytes = 0;
  // The case the coordinator will ask for after this one: a worker builds its
  // inputs and references in the background while this one runs on the device.
  CaseHint next;
};

struct EvalResult {
  Status status = Status::ok;
  std::string error;
  CheckResult check;
  int n_tests = 0;
  std::optional<LatencyStats> latency_us;
  // Where the worker's time went: inputs and reference (0 when the case was
  // cached), the correctness runs, the timed loop.
  double prepare_ms = 0, check_ms = 0, bench_ms = 0;
  // Parts of check and bench: host<->device copies; checks against the reference
  // (where outputs are copied back for a host-side check, the copy is in both).
  double transfer_ms = 0, compare_ms = 0;
  bool restart = false;  // the worker's device context is unusable: it exits after answering
};

// The worker protocol's codecs (worker_protocol.cpp).
nlohmann::json to_json(const EvalRequest& r);
EvalRequest eval_request_from_json(const nlohmann::json& j);
nlohmann::json to_json(const EvalResult& r);
EvalResult eval_result_from_json(const nlohmann::json& j);

// Seed of test t of a case: the base seed mixed with t, so tests differ and
// every candidate of a case sees the same inputs.
uint64_t test_seed(uint64_t base, int t);

class Evaluator {
 public:
  // `phase` is told "check" and "bench" as they begin (the watchdog's cue).
  explicit Evaluator(std::function<void(const std::string&)> phase = {}, const std::string& backend = kDefaultBackend);
  ~Evaluator();
  EvalResult evaluate(const EvalRequest& req);

 private:
  struct CaseData;
  CaseData& case_data(const EvalRequest& req);
  static std::string case_key(const EvalRequest& req);
  static std::unique_ptr<CaseData> build_case(const EvalRequest& req);
  // Starts building req.next's case in the background (one at a time).
  void prefetch(const EvalRequest& req);
  // Test i's outputs against its reference: in place where the executor can,
  // else copied back and compared on the host (with the test's pristine inputs).
  ExecError check(int i, CheckResult& out, EvalResult& res);
  // One untimed run of test i from its pristine inputs, poisoned outputs.
  ExecError run_test(int i);
  // The timed loop and the checks of its runs: latency into res where they pass,
  // else res's status and error say which timed run failed.
  ExecError bench(const EvalRequest& req, EvalResult& res);
  std::function<void(const std::string&)> phase_;
  std::unique_ptr<Executor> exec_;
  std::string case_key_;
  std::unique_ptr<CaseData> case_;
  std::string pending_key_;
  std::future<std::unique_ptr<CaseData>> pending_;
};

}  // namespace foundry
