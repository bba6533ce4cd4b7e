// The attempt record: one JSON object per line of attempts.ndjson. Every field
// is always present (null where it does not apply), so tools can rely on it.
#pragma once
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "backends/backend.hpp"
#include "harness/evaluate.hpp"
#include "ops/op_contract.hpp"
#include "run/candidate.hpp"

namespace foundry {

struct RecordEnv {
  std::string backend;
  std::string device;
  std::string compiler;
  double copy_gbps = 0;
  uint64_t run_seed = 0;
  std::string timer;  // what latencies are measured with (the backend row's timer)
};

// UTC time with milliseconds, ISO 8601.
std::string now_iso();

nlohmann::json make_record(const OpContract& op, const Candidate& c, const std::string& source_path,
                           Status status, const std::string& error, const std::optional<Launch>& launch,
                           const BuildResult* build, const EvalResult* eval, const RecordEnv& env);

}  // namespace foundry
