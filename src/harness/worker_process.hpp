// Coordinator's handle on one worker process (`foundry worker`). Requests and
// results travel as JSON lines over pipes. A worker that dies or overruns its
// phase deadline is killed and restarted on the next request; the candidate it
// held is answered with runtime_fault or timeout.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

#include "harness/eval_channel.hpp"

namespace foundry {

class WorkerProcess final : public EvalChannel {
 public:
  // `gpu` >= 0: the worker sees only that GPU (CUDA_VISIBLE_DEVICES).
  // `launcher`: a command the worker runs under (a sanitizer), or empty.
  WorkerProcess(std::string exe, std::string backend, int gpu = -1, std::vector<std::string> launcher = {});
  ~WorkerProcess() override;
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  EvalResult evaluate(const EvalRequest& req, const WorkerLimits& limits) override;
  // Starts the worker unless it runs (evaluate starts it otherwise).
  void prepare(const WorkerLimits& limits) override;
  void end(double timeout_s) override { finish(timeout_s); }
  int restarts() const { return restarts_; }
  // Closes the worker's input and waits up to `timeout_s` for it to exit
  // (killed after); returns its wait status, or -1 when none was running.
  int finish(double timeout_s);

 private:
  void start(bool guard);
  void kill_worker();
  std::string exe_;
  std::string backend_;
  int gpu_ = -1;
  std::vector<std::string> launcher_;
  pid_t pid_ = -1;
  int to_worker_ = -1;
  int from_worker_ = -1;
  std::string pending_;  // bytes read past the last full line
  int restarts_ = 0;
};

// Entry point of `foundry worker --backend B [--guard]`: serves requests on
// stdin until EOF, or exits after answering when a fault left its device
// unusable or a kernel left files open. `guard`: the filter of
// harness/worker_guard.hpp, installed before any kernel is loaded.
int worker_main(const std::string& backend, bool guard);

}  // namespace foundry
