// What the evaluator needs from a backend inside a worker: load a compiled
// variant, run it once on a test's pristine inputs with poisoned outputs
// (results land in host-side `work`), and time it. The cpu executor prepares
// `work` and runs in place; the cuda executor keeps the inputs on the device
// and poisons there, copying back only what the kernel writes.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/buffer.hpp"
#include "harness/stats.hpp"
#include "harness/timing.hpp"
#include "ops/op_contract.hpp"

namespace foundry {

struct EvalRequest;

// A failure while loading, launching or running: the status to record.
struct ExecError {
  Status status = Status::ok;
  std::string message;
  explicit operator bool() const { return status != Status::ok; }
};

class Executor {
 public:
  virtual ~Executor() = default;
  virtual ExecError load(const EvalRequest& req) = 0;
  // One launch on test `c`'s pristine inputs with poisoned outputs; the
  // written buffers land in `work`.
  virtual ExecError run(const OpContract& op, const Case& c, const std::vector<HostBuffer>& pristine,
                        std::vector<HostBuffer>& work) = 0;
  // Adaptive timing from the same starting state; the last run's outputs
  // land in `work` for the re-check.
  virtual ExecError time(const OpContract& op, const Case& c, const std::vector<HostBuffer>& pristine,
                         std::vector<HostBuffer>& work, const BenchConfig& cfg, LatencyStats& out) = 0;
  // True once a fault has made this process unusable (the worker restarts).
  virtual bool poisoned() const { return false; }
  // Milliseconds spent moving buffers between host and device so far.
  double transfer_ms = 0;
};

// "cpu" or "cuda"; throws naming the backend when it cannot run here.
std::unique_ptr<Executor> make_executor(const std::string& backend);

}  // namespace foundry
