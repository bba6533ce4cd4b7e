#include "backends/cuda/cuda_executor.hpp"

#include <fmt/format.h>

#include "harness/evaluate.hpp"

namespace foundry {

CudaExecutor::CudaExecutor() {
  ctx_.check(ctx_.api().EventCreate(&start_, 0), "cuEventCreate");
  ctx_.check(ctx_.api().EventCreate(&stop_, 0), "cuEventCreate");
  flush_ = std::make_unique<DeviceBuffer>(ctx_, 2 * static_cast<std::size_t>(std::max(ctx_.l2_bytes(), 1 << 20)));
}

CudaExecutor::~CudaExecutor() {
  if (poisoned_) {
    // The context is dead; freeing into it would only report the fault again.
    for (auto& b : buffers_) b.release();
    flush_.release();
    kernel_.release();
    return;
  }
  ctx_.api().EventDestroy(start_);
  ctx_.api().EventDestroy(stop_);
}

ExecError CudaExecutor::fail(const CudaError& e, bool during_launch) {
  if (is_sticky_cuda_error(e.code)) {
    poisoned_ = true;
    return {Status::runtime_fault, e.what()};
  }
  return {during_launch ? Status::launch_error : Status::runtime_fault, e.what()};
}

ExecError CudaExecutor::load(const EvalRequest& req) {
  kernel_.reset();
  grid_ = req.grid;
  threads_ = req.threads;
  smem_ = req.smem;
  try {
    kernel_ = std::make_unique<CudaKernel>(ctx_, req.artifact);
  } catch (const CudaError& e) {
    return fail(e, true);
  }
  return {};
}

void CudaExecutor::ensure_buffers(const std::vector<HostBuffer>& work) {
  bool same = buffers_.size() == work.size();
  for (std::size_t i = 0; same && i < work.size(); ++i) same = buffers_[i]->bytes() == work[i].bytes();
  if (same) return;
  buffers_.clear();
  for (const auto& w : work) buffers_.push_back(std::make_unique<DeviceBuffer>(ctx_, w.bytes()));
}

void CudaExecutor::upload(const std::vector<HostBuffer>& work) {
  ensure_buffers(work);
  for (std::size_t i = 0; i < work.size(); ++i)
    if (work[i].bytes()) ctx_.check(ctx_.api().MemcpyHtoD(buffers_[i]->ptr(), work[i].data(), work[i].bytes()), "cuMemcpyHtoD");
}

void CudaExecutor::download(const OpContract& op, std::vector<HostBuffer>& work) {
  for (std::size_t i = 0; i < work.size(); ++i)
    if (op.buffers[i].role != Role::in && work[i].bytes())
      ctx_.check(ctx_.api().MemcpyDtoH(work[i].data(), buffers_[i]->ptr(), work[i].bytes()), "cuMemcpyDtoH");
}

std::vector<void*> CudaExecutor::device_pointers() const {
  std::vector<void*> p;
  for (const auto& b : buffers_) p.push_back(reinterpret_cast<void*>(static_cast<uintptr_t>(b->ptr())));
  return p;
}

ExecError CudaExecutor::run(const OpContract& op, const Case& c, std::vector<HostBuffer>& work) {
  try {
    upload(work);
    KernelArgs args(op, device_pointers(), c);
    if (cuda::CUresult r = kernel_->launch(grid_, threads_, smem_, args.args.data()); r != 0)
      return fail(CudaError(r, fmt::format("cuLaunchKernel(grid {}, block {}, smem {}): {}", grid_, threads_, smem_,
                                           ctx_.api().error_text(r))), true);
    ctx_.synchronize();
    download(op, work);
  } catch (const CudaError& e) {
    return fail(e, false);
  }
  return {};
}

ExecError CudaExecutor::time(const OpContract& op, const Case& c, std::vector<HostBuffer>& work, const BenchConfig& cfg,
                             LatencyStats& out) {
  try {
    upload(work);
    KernelArgs args(op, device_pointers(), c);
    const auto& api = ctx_.api();
    auto launch = [&] {
      if (cuda::CUresult r = kernel_->launch(grid_, threads_, smem_, args.args.data()); r != 0)
        throw CudaError(r, "cuLaunchKernel: " + api.error_text(r));
    };
    out = adaptive_samples(
        [&] {
          launch();
          ctx_.synchronize();
        },
        [&] {
          // The flush runs before the start event, so it is not timed.
          if (cfg.flush_cache) ctx_.check(api.MemsetD8Async(flush_->ptr(), 0, flush_->bytes(), nullptr), "cuMemsetD8Async");
          ctx_.check(api.EventRecord(start_, nullptr), "cuEventRecord");
          launch();
          ctx_.check(api.EventRecord(stop_, nullptr), "cuEventRecord");
          ctx_.check(api.EventSynchronize(stop_), "cuEventSynchronize");
          float ms = 0;
          ctx_.check(api.EventElapsedTime(&ms, start_, stop_), "cuEventElapsedTime");
          return static_cast<double>(ms) * 1e3;
        },
        cfg);
    ctx_.synchronize();
    download(op, work);
  } catch (const CudaError& e) {
    return fail(e, false);
  }
  return {};
}

}  // namespace foundry
