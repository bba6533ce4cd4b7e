// The cpu executor: the variant runs in place on the host buffers, its blocks
// spread over the worker's thread pool.
#pragma once
#include <memory>

#include "backends/cpu/cpu_runtime.hpp"
#include "backends/executor.hpp"
#include "backends/timing.hpp"

namespace foundry {

class CpuExecutor final : public Executor {
 public:
  CpuExecutor();
  ExecError load(const LoadSpec& spec) override;
  ExecError run(const OpContract& op, const Case& c, const std::vector<HostBuffer>& pristine,
                std::vector<HostBuffer>& work) override;
  ExecError time(const OpContract& op, const Case& c, const std::vector<HostBuffer>& pristine,
                 std::vector<HostBuffer>& work, const BenchConfig& cfg, LatencyStats& out) override;

 private:
  ThreadPool pool_;
  CacheFlusher flusher_;
  std::unique_ptr<CpuKernel> kernel_;
  int64_t grid_ = 1;
  int threads_ = 1;
};

}  // namespace foundry
