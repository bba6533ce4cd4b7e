// The cpu executor: the variant runs in place on the host buffers, its blocks
// spread over the worker's thread pool. A stage copies the test's pristine
// inputs into the work buffers and poisons the outputs; the work buffers are
// the same for every test, so a kernel sees one address whatever it reads.
// Every buffer ends at a guard page (core/buffer.hpp): a read or write past
// the allocation faults, and a write into its rounding slack is reported
// after the run.
#pragma once
#include <memory>
#include <optional>

#include "backends/cpu/cpu_runtime.hpp"
#include "backends/executor.hpp"
#include "backends/kernel_args.hpp"
#include "backends/timing.hpp"

namespace foundry {

class CpuExecutor final : public Executor {
 public:
  CpuExecutor();
  void new_case() override { kept_.clear(); }
  ExecError load(const LoadSpec& spec) override;
  ExecError stage(const OpContract& op, const Case& c, const std::vector<HostBuffer>& pristine,
                  std::vector<HostBuffer>& work) override;
  ExecError launch(bool flush, double* us) override;
  ExecError keep(const OpContract& op, std::vector<HostBuffer>& work, int slot) override;
  ExecError bring_back(const OpContract& op, std::vector<HostBuffer>& work, int slot) override;
  bool compares_kept() const override { return true; }
  bool same_as_kept(const OpContract& op, const std::vector<HostBuffer>& work, int slot) override;

 private:
  // runtime_fault when the run wrote into a buffer's slack.
  ExecError after_run() const;
  ThreadPool pool_;
  CacheFlusher flusher_;
  std::unique_ptr<CpuKernel> kernel_;
  std::optional<KernelArgs> args_;  // of the staged run
  const std::vector<HostBuffer>* work_ = nullptr;  // the staged run's buffers
  std::vector<std::vector<HostBuffer>> kept_;  // per slot, per buffer (empty for inputs)
  int64_t grid_ = 1;
  int threads_ = 1;
};

}  // namespace foundry
