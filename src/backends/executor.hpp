// What the evaluator needs from a backend inside a worker: load a compiled
// variant, run it once on a test's pristine inputs with poisoned outputs, time
// it, and hand its outputs to a check. The cpu executor prepares host-side
// `work` and runs in place; the cuda executor keeps inputs and references on
// the device, poisons there, and checks there where the op's rule is the
// elementwise one, copying back only what a host-side check needs.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "backends/timing.hpp"
#include "core/buffer.hpp"
#include "core/stats.hpp"
#include "ops/op_contract.hpp"

namespace foundry {

// What an executor loads: one compiled variant and how it is launched.
struct LoadSpec {
  std::string artifact;      // shared object (cpu) or CUBIN (cuda)
  int64_t grid = 1;
  int threads = 1;           // cpu: pool threads; cuda: threads per block
  int64_t smem = 0;          // cuda: dynamic shared memory bytes
  std::string checker;       // cuda: CUBIN of the device-side check and input fingerprint
  bool host_checks = false;  // cuda: compare every output on the host
};

// A failure while loading, launching or running: the status to record.
struct ExecError {
  Status status = Status::ok;
  std::string message;
  explicit operator bool() const { return status != Status::ok; }
};

class Executor {
 public:
  virtual ~Executor() = default;
  // The evaluator moved to another case: drop what was kept for the last one.
  virtual void new_case() {}
  virtual ExecError load(const LoadSpec& spec) = 0;
  // One launch on test `c`'s pristine inputs with poisoned outputs. The
  // written buffers stay where the run left them until fetch().
  virtual ExecError run(const OpContract& op, const Case& c, const std::vector<HostBuffer>& pristine,
                        std::vector<HostBuffer>& work) = 0;
  // Adaptive timing from the same starting state; the last run's outputs
  // stay for the re-check.
  virtual ExecError time(const OpContract& op, const Case& c, const std::vector<HostBuffer>& pristine,
                         std::vector<HostBuffer>& work, const BenchConfig& cfg, LatencyStats& out) = 0;
  // The last run's written buffers into `work` (nothing to do where the run wrote there).
  virtual ExecError fetch(const OpContract& /*op*/, std::vector<HostBuffer>& /*work*/) { return {}; }
  // Whether check_in_place can be tried at all (the evaluator then prepares the bounds).
  virtual bool checks_in_place() const { return false; }
  // The elementwise rule applied to the last run's outputs where they are,
  // against test `c`'s reference (one vector per written buffer) under `tol`
  // (one per written buffer, already scaled). False: the backend cannot; the
  // evaluator fetches and compares on the host.
  virtual bool check_in_place(const OpContract& /*op*/, const Case& /*c*/, const std::vector<std::vector<double>>& /*ref*/,
                              const std::vector<Tolerance>& /*tol*/, CheckResult& /*out*/, ExecError& /*err*/) {
    return false;
  }
  // True once a fault has made this process unusable (the worker restarts).
  virtual bool poisoned() const { return false; }
  // Milliseconds spent moving buffers between host and device so far.
  double transfer_ms = 0;
};

}  // namespace foundry
