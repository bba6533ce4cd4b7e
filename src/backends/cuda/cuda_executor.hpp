// The cuda executor: device buffers per case, uploads of the prepared host
// buffers, one launch, copies of the outputs back; timing with CUDA events
// around each launch and an L2 flush (a memset of twice the L2) before it.
#pragma once
#include <memory>
#include <vector>

#include "backends/cuda/cuda_runtime.hpp"
#include "harness/executor.hpp"

namespace foundry {

class CudaExecutor final : public Executor {
 public:
  CudaExecutor();
  ~CudaExecutor() override;
  ExecError load(const EvalRequest& req) override;
  ExecError run(const OpContract& op, const Case& c, std::vector<HostBuffer>& work) override;
  ExecError time(const OpContract& op, const Case& c, std::vector<HostBuffer>& work, const BenchConfig& cfg,
                 LatencyStats& out) override;
  bool poisoned() const override { return poisoned_; }

 private:
  ExecError fail(const CudaError& e, bool during_launch);
  void ensure_buffers(const std::vector<HostBuffer>& work);
  void upload(const std::vector<HostBuffer>& work);
  void download(const OpContract& op, std::vector<HostBuffer>& work);
  std::vector<void*> device_pointers() const;

  CudaContext ctx_;
  std::vector<std::unique_ptr<DeviceBuffer>> buffers_;
  std::unique_ptr<DeviceBuffer> flush_;
  std::unique_ptr<CudaKernel> kernel_;
  cuda::CUevent start_ = nullptr, stop_ = nullptr;
  long long grid_ = 1, smem_ = 0;
  int threads_ = 1;
  bool poisoned_ = false;
};

}  // namespace foundry
