// The attempt record: one per line of attempts.ndjson, one per candidate
// tried. A typed value with one JSON form; every field is always present in
// the JSON (null where it does not apply). docs/RECORD_SCHEMA.md describes it
// and record_test checks that description against to_json.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/backend.hpp"
#include "harness/evaluate.hpp"
#include "ops/op_contract.hpp"
#include "run/candidate.hpp"

namespace foundry {

// Written into every record; a reader refuses other versions by name. 3: the
// `labels` field, and latencies from the honest timed loop (schema 2's were
// taken on the buffers the check had filled and are not comparable).
inline constexpr int kRecordSchema = 3;

// Label of a variant whose p50 is below the fastest the op's traffic allows
// at the device's measured copy bandwidth (times the backend's margin).
inline constexpr char kSuspectLabel[] = "suspect";
// Label of a variant that a memory or race checker (guard pages, the GPU's
// sanitizer) caught, although its outputs matched.
inline constexpr char kSanitizerLabel[] = "sanitizer";
// Labels of the confirm pass (run/confirmation.hpp): the best variants of a
// case checked again on fresh seeds, passed or not.
inline constexpr char kConfirmedLabel[] = "confirmed";
inline constexpr char kUnconfirmedLabel[] = "unconfirmed";
// ... and run again on the same inputs, where a run wrote other bits than the
// first (or failed): a race, or an accumulation order that changes.
inline constexpr char kNondeterministicLabel[] = "nondeterministic";

struct RecordBuild {
  bool ok = false;
  std::optional<double> ms;
  std::optional<bool> cache_hit;
  std::optional<std::vector<std::string>> flags;
  std::optional<std::string> log;
  std::optional<int> registers, smem_bytes, spill_bytes, stack_bytes;  // from ptxas where the backend has it
};

struct RecordCorrectness {
  bool ok = false;
  std::optional<double> max_abs_err, max_rel_err, max_ulp;
  std::optional<int64_t> mismatches;
  int n_tests = 0;
  std::optional<std::string> detail;
};

struct RecordBench {
  std::optional<LatencyStats> latency_us;  // of a correct variant only
  std::optional<double> bytes, flops, gbps, gflops, pct_of_copy;
  std::optional<std::string> timer;
};

struct RecordHarnessMs {
  double prepare = 0, check = 0, bench = 0, transfer = 0, compare = 0;
};

struct RecordEnv {
  std::string foundry_version = FOUNDRY_VERSION;
  std::string device;
  std::string compiler;
  double copy_gbps = 0;
  uint64_t run_seed = 0;
};

struct RecordStrategy {
  std::string name;  // the strategy that proposed it
  uint64_t seq = 0;  // its proposal number within the case
};

struct RecordRepro {
  std::string render;  // `foundry render ...`: prints the exact source
  std::string run;     // the run flags the measurement was taken with
};

struct Record {
  int schema = kRecordSchema;
  std::string id;
  std::string op;
  std::string kernel_class;
  std::string backend;
  DType dtype = DType::f32;
  Regime regime = Regime::decode;
  Shape shape;
  Params params;
  std::string template_id;
  Knobs knobs;
  Status status = Status::harness_error;
  std::optional<std::string> error;
  std::vector<std::string> labels;  // e.g. kSuspectLabel; empty when none
  std::string source_path;
  std::string source_sha256;
  uint64_t input_seed = 0;
  std::optional<Launch> launch;
  RecordBuild build;
  RecordCorrectness correctness;
  RecordBench bench;
  std::optional<RecordHarnessMs> harness_ms;
  RecordEnv env;
  RecordStrategy strategy;
  RecordRepro repro;
  std::string ts;

  // The key of the case it was tried on (its inputs and reference).
  std::string case_key() const;
  // A correct variant nothing casts doubt on: status ok, not suspect, not
  // caught by a sanitizer, not failed on fresh seeds. Only these are "best", exported as answers,
  // or counted as correct by reports.
  bool trusted_ok() const;
  // p50 latency of a trusted, timed variant; +inf otherwise.
  double cost() const;
  bool has_label(const std::string& label) const;
};

nlohmann::json to_json(const Record& r);
// Throws std::runtime_error naming the first missing or mistyped field, and
// the schema version when it is not kRecordSchema.
Record record_from_json(const nlohmann::json& j);

// UTC time with milliseconds, ISO 8601.
std::string now_iso();

// What every record of a run shares.
struct RecordContext {
  RecordEnv env;
  std::string timer;                      // the backend's ("steady_clock", "cuda_event")
  std::vector<std::string> render_flags;  // the backend's extra `foundry render` flags
  std::string run_flags;                  // the measurement flags of this run
  std::string strategy;
  // A p50 below bytes / (env.copy_gbps x floor_margin) is labelled suspect; 0:
  // no floor (the cache was not flushed between timed runs, so a variant may
  // legitimately run from cache faster than memory allows).
  double floor_margin = 0;
};

struct RecordInputs {
  const Candidate* candidate = nullptr;
  uint64_t seq = 0;
  std::string source_path;
  Status status = Status::harness_error;
  std::string error;
  std::optional<Launch> launch;
  const BuildResult* build = nullptr;
  const EvalResult* eval = nullptr;
};

Record make_record(const OpContract& op, const RecordInputs& in, const RecordContext& ctx);

// The `foundry render` line that prints a candidate's exact source.
std::string render_command(const Candidate& c, const std::vector<std::string>& render_flags);

}  // namespace foundry
