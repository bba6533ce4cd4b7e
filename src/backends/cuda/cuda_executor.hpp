// The cuda executor. Each test's inputs are uploaded once per case and stay
// on the device for every candidate of the case; a run points the kernel at
// them, restores inout buffers by a device copy, poisons outputs with a device
// memset, launches, and copies only what the kernel writes back. Timing: CUDA
// events around each launch, an L2 flush (a memset of twice the L2) before it.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backends/cuda/cuda_runtime.hpp"
#include "harness/executor.hpp"

namespace foundry {

class CudaExecutor final : public Executor {
 public:
  CudaExecutor();
  ~CudaExecutor() override;
  ExecError load(const EvalRequest& req) override;
  ExecError run(const OpContract& op, const Case& c, const std::vector<HostBuffer>& pristine,
                std::vector<HostBuffer>& work) override;
  ExecError time(const OpContract& op, const Case& c, const std::vector<HostBuffer>& pristine,
                 std::vector<HostBuffer>& work, const BenchConfig& cfg, LatencyStats& out) override;
  bool poisoned() const override { return poisoned_; }

 private:
  ExecError fail(const CudaError& e, bool during_launch);
  // Device pointers, in ABI order, for a run of test `c` (`host`: its pristine buffers).
  std::vector<void*> stage(const OpContract& op, const Case& c, const std::vector<HostBuffer>& host);
  void download(const OpContract& op, std::vector<HostBuffer>& work);

  CudaContext ctx_;
  // Per test seed: the pristine in and inout buffers (null for outputs).
  std::string resident_case_;
  std::map<uint64_t, std::vector<std::unique_ptr<DeviceBuffer>>> resident_;
  std::vector<std::unique_ptr<DeviceBuffer>> buffers_;  // what the kernel writes: out and inout
  std::unique_ptr<DeviceBuffer> flush_;
  std::unique_ptr<CudaKernel> kernel_;
  cuda::CUevent start_ = nullptr, stop_ = nullptr;
  long long grid_ = 1, smem_ = 0;
  int threads_ = 1;
  bool poisoned_ = false;
};

}  // namespace foundry
