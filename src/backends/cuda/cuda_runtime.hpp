// The cuda backend, worker side: one context on one GPU (the worker's
// CUDA_VISIBLE_DEVICES names it), plain device allocations, CUBIN modules,
// launches and CUDA-event timing.
#pragma once
#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "backends/cuda/cuda_api.hpp"

namespace foundry {

// A failed driver call: `code` is the CUresult.
struct CudaError : std::runtime_error {
  CudaError(int code, const std::string& what) : std::runtime_error(what), code(code) {}
  int code;
};

// Errors after which the context is unusable (the kernel faulted on the device).
bool is_sticky_cuda_error(int code);

// GPUs the driver sees (0 where there is no driver).
int cuda_device_count();

// The primary context of device 0, made current on the calling thread.
class CudaContext {
 public:
  CudaContext();
  const cuda::Driver& api() const { return *api_; }
  int l2_bytes() const { return l2_bytes_; }
  int max_threads_per_block() const { return max_threads_; }
  int sm_count() const { return sms_; }
  void check(cuda::CUresult r, const char* what) const;  // throws CudaError
  void synchronize() const { check(api_->CtxSynchronize(), "cuCtxSynchronize"); }
  ~CudaContext();
  CudaContext(const CudaContext&) = delete;
  CudaContext& operator=(const CudaContext&) = delete;
  // Host to device, synchronous. Pageable copies go through the driver's
  // bounce buffers (2 GB/s on the H200 machine for the float64 references,
  // the largest uploads; page-locking the range in place first was not much
  // better). Large ones are copied by eight threads into two pinned
  // staging buffers in turn, each sent asynchronously while the other
  // fills. Falls back to a plain copy.
  void upload(cuda::CUdeviceptr dst, const void* src, std::size_t bytes) const;

 private:
  bool staged_upload(cuda::CUdeviceptr dst, const void* src, std::size_t bytes) const;
  const cuda::Driver* api_;
  mutable void* staging_[2] = {nullptr, nullptr};  // pinned, allocated on the first large upload
  mutable cuda::CUevent sent_[2] = {nullptr, nullptr};
  int l2_bytes_ = 0;
  int max_threads_ = 1024;
  int sms_ = 1;
};

// A device allocation (cuMemAlloc: 256-byte aligned) of exactly the bytes
// asked for (one for an empty buffer), freed on destruction.
class DeviceBuffer {
 public:
  DeviceBuffer(const CudaContext& ctx, std::size_t bytes);
  ~DeviceBuffer();
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  cuda::CUdeviceptr ptr() const { return ptr_; }
  std::size_t bytes() const { return bytes_; }

 private:
  const CudaContext& ctx_;
  cuda::CUdeviceptr ptr_ = 0;
  std::size_t bytes_ = 0;
};

// One compiled kernel: its CUBIN loaded as a module, entry `entry`.
class CudaKernel {
 public:
  CudaKernel(const CudaContext& ctx, const std::string& cubin_path, const char* entry = "foundry_kernel");
  ~CudaKernel();
  CudaKernel(const CudaKernel&) = delete;
  CudaKernel& operator=(const CudaKernel&) = delete;
  // Enqueues one launch on the default stream; returns the launch's CUresult.
  // A kernel compiled with a cluster size (the module global
  // foundry_cluster_blocks, from a template's launch `cluster`) goes through
  // cuLaunchKernelEx as clusters of that many blocks along x.
  cuda::CUresult launch(long long grid, int threads, long long smem, void** args) const;
  int cluster() const { return cluster_; }  // blocks per cluster; 0: launched without clusters

 private:
  const CudaContext& ctx_;
  cuda::CUmodule module_ = nullptr;
  cuda::CUfunction fn_ = nullptr;
  int cluster_ = 0;
};

// Device-to-device copy bandwidth (bytes read + written per second, GB/s):
// median of CUDA-event-timed copies of a 1 GiB buffer.
double measure_cuda_copy_gbps(const CudaContext& ctx);

// measure_cuda_copy_gbps on GPU 0, cached per device under cache_root/cuda.
double cuda_copy_gbps(const std::filesystem::path& cache_root, const std::string& device);

}  // namespace foundry
