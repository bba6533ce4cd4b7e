// The lines a coordinator and its worker exchange, one JSON object each: the
// request (to_json(EvalRequest)), then from the worker {"phase": "check"} and
// {"phase": "bench"} as they begin, {"result": to_json(EvalResult)}, and from
// a guarded worker about to die of a fatal signal {"died": {"signal",
// "vm_bytes", "as_limit"}} (worker_guard.hpp). The codecs themselves are
// declared in evaluate.hpp.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "harness/evaluate.hpp"

namespace foundry {

// A guarded worker's last words: the fatal signal, its address space then,
// and its soft address-space limit (none when unlimited).
struct WorkerDeath {
  int signal = 0;
  uint64_t vm_bytes = 0;
  std::optional<uint64_t> as_limit;
};

// One line a worker sent, as the coordinator reads it.
struct WorkerMessage {
  enum class Kind {
    none,       // not a JSON object with "phase", "died" or "result" (ignored, as is a line that is not JSON)
    phase,      // `phase` began
    died,       // `died`: the worker is about to die of a signal
    result,     // `result` is the answer
    malformed,  // a "phase", "died" or "result" that is not one: `error` says why
  };
  Kind kind = Kind::none;
  std::string phase;
  WorkerDeath died;
  EvalResult result;
  std::string error;
};

// Never throws: whatever a worker writes, the coordinator learns one of the
// kinds. A phase is a name of lower-case letters and underscores.
WorkerMessage parse_worker_message(const std::string& line);

// The request of one line, as the worker reads it; throws std::runtime_error
// saying what is wrong with it.
EvalRequest parse_worker_request(const std::string& line);

}  // namespace foundry
