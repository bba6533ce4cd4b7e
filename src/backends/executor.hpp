// What the evaluator needs from a backend inside a worker: load a compiled
// variant, stage a run of one test (its pristine inputs where the kernel reads
// them, outputs poisoned), launch it (timed or not), set a run's outputs aside
// and bring them back, and hand outputs to a check. The cpu executor prepares
// host-side `work` and runs in place; the cuda executor keeps inputs and
// references on the device, poisons there, and checks there where the op's
// rule is the elementwise one, copying back only what a host-side check needs.
// The evaluator owns the loops (which test each run reads, which runs are
// checked); an executor only carries out one step at a time.
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
  // Sets up the next launch on test `c`: its pristine inputs where the kernel
  // reads them, inout buffers restored, outputs poisoned. Never timed.
  virtual ExecError stage(const OpContract& op, const Case& c, const std::vector<HostBuffer>& pristine,
                          std::vector<HostBuffer>& work) = 0;
  // Runs the staged launch to completion. With `us`: timed, and when `flush`
  // the cache is evicted first, outside the timed region; the launch's
  // microseconds go to *us. The written buffers stay where the run left them
  // until the next stage() or fetch().
  virtual ExecError launch(bool flush, double* us) = 0;
  // runtime_fault when test `c`'s read-only inputs are no longer as they were
  // staged, where the executor shares them between runs (cuda: resident
  // copies); nothing to do where every run starts from a fresh copy.
  virtual ExecError verify_inputs(const OpContract& /*op*/, const Case& /*c*/) { return {}; }
  // Copies the last run's written buffers aside into `slot` (0, 1, ...), and
  // puts such a copy back where the last run's outputs are, for a check.
  virtual ExecError keep(const OpContract& op, std::vector<HostBuffer>& work, int slot) = 0;
  virtual ExecError bring_back(const OpContract& op, std::vector<HostBuffer>& work, int slot) = 0;
  // Whether same_as_kept is cheap (cheaper than a check: the cpu, whose
  // outputs are host memory), so timed runs can be settled by it.
  virtual bool compares_kept() const { return false; }
  // True when the last run's written buffers equal slot's copy bit for bit
  // (every executor answers it: the confirm pass's repeat check asks).
  virtual bool same_as_kept(const OpContract& op, const std::vector<HostBuffer>& work, int slot) = 0;
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
