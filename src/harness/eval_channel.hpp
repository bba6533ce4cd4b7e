// How the coordinator has one compiled variant judged: a worker process in a
// run, a scripted fake in the coordinator's own tests.
#pragma once
#include "harness/evaluate.hpp"

namespace foundry {

struct WorkerLimits {
  double prepare_s = 600;  // input generation and float64 reference (no kernel code runs)
  double phase_s = 30;     // each of the check and bench phases
  // Workers of backends that run kernels on the host (harness/worker_guard.hpp):
  bool guard = true;       // resource limits and the seccomp filter
  double cpu_s = 0;        // CPU seconds per phase, all threads (0: phase_s x cores + 1)
  double memory_mib = 0;   // address space a candidate may add (0: from the case's size)
  int open_files = 0;      // open-file limit (0: 256)
};

class EvalChannel {
 public:
  virtual ~EvalChannel() = default;
  // Never throws for a fault of the variant: crashes and hangs come back as statuses.
  virtual EvalResult evaluate(const EvalRequest& req, const WorkerLimits& limits) = 0;
  // Gets ready for the first request now (a worker process: started, its
  // device context created while the coordinator compiles). Optional.
  virtual void prepare(const WorkerLimits& /*limits*/) {}
  // Lets the worker finish what it is writing and exit, killed after
  // `timeout_s` (otherwise a run ends by killing its workers). Optional.
  virtual void end(double /*timeout_s*/) {}
};

}  // namespace foundry
