// Worker-side judgement of one compiled variant: check on several seeds with
// poisoned outputs, then benchmark what passed. Runs inside a worker process.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "backends/cpu/cpu_runtime.hpp"
#include "harness/stats.hpp"
#include "ops/op_contract.hpp"

namespace foundry {

struct BenchConfig {
  int warmup = 3;
  int min_repeats = 10;
  int max_repeats = 200;
  double target_rse = 0.005;  // stop when the median's relative standard error is below this
  double max_seconds = 1.0;   // time cap on the timed loop
  bool flush_cache = true;    // evict the LLC between repetitions
};

struct EvalRequest {
  std::string op;
  DType dtype = DType::f32;
  Shape shape;
  Params params;
  uint64_t seed = 0;          // base input seed; test t uses a seed derived from it
  std::string artifact;       // compiled shared object
  int64_t grid = 1;
  int threads = 1;
  int n_tests = 3;
  BenchConfig bench;
};

struct EvalResult {
  Status status = Status::ok;
  std::string error;
  CheckResult check;
  int n_tests = 0;
  std::optional<LatencyStats> latency_us;
};

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
  explicit Evaluator(std::function<void(const std::string&)> phase = {});
  ~Evaluator();
  EvalResult evaluate(const EvalRequest& req);

 private:
  struct CaseData;
  const CaseData& case_data(const EvalRequest& req);
  std::function<void(const std::string&)> phase_;
  ThreadPool pool_;
  std::string case_key_;
  std::unique_ptr<CaseData> case_;
  std::vector<char> flush_buffer_;
};

}  // namespace foundry
