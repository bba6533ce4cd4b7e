// How the coordinator has one compiled variant judged: a worker process in a
// run, a scripted fake in the coordinator's own tests.
#pragma once
#include "harness/evaluate.hpp"

namespace foundry {

struct WorkerLimits {
  double prepare_s = 600;  // input generation and float64 reference (no kernel code runs)
  double phase_s = 30;     // each of the check and bench phases
};

class EvalChannel {
 public:
  virtual ~EvalChannel() = default;
  // Never throws for a fault of the variant: crashes and hangs come back as statuses.
  virtual EvalResult evaluate(const EvalRequest& req, const WorkerLimits& limits) = 0;
};

}  // namespace foundry
