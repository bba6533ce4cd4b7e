// The cpu backend, worker side: load a compiled variant and launch its blocks
// over a persistent thread pool (threads wake on a futex, so a launch costs
// microseconds, not a thread creation).
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace foundry {

class ThreadPool {
 public:
  explicit ThreadPool(int max_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Runs fn(t, threads) on `threads` threads (the caller is thread 0) and waits.
  void run(int threads, void (*fn)(void* ctx, int t, int threads), void* ctx);
  int max_threads() const { return max_threads_; }

 private:
  void loop(int t);
  int max_threads_;
  std::vector<std::thread> workers_;
  // Low 8 bits: threads taking part in the current run; the rest: run number.
  std::atomic<uint32_t> state_{0};
  std::atomic<int> remaining_{0};
  void (*fn_)(void*, int, int) = nullptr;
  void* ctx_ = nullptr;
  std::atomic<bool> stop_{false};
};

using LaunchFn = void (*)(void* const* args, int64_t block_begin, int64_t block_end, int64_t num_blocks);

class CpuKernel {
 public:
  // Throws std::runtime_error (a launch_error) when the object cannot be loaded.
  explicit CpuKernel(const std::filesystem::path& so);
  ~CpuKernel();
  CpuKernel(const CpuKernel&) = delete;
  CpuKernel& operator=(const CpuKernel&) = delete;

  // Runs blocks [0, grid) spread over `threads` contiguous chunks.
  void launch(ThreadPool& pool, void* const* args, int64_t grid, int threads) const;

 private:
  void* handle_ = nullptr;
  LaunchFn fn_ = nullptr;
};

// Copy bandwidth (read + write bytes per second, in GB/s) of this machine with
// memcpy over all cores, median of several runs on buffers far beyond the LLC.
double measure_cpu_copy_gbps(ThreadPool& pool);

// measure_cpu_copy_gbps over every core, cached per device under cache_root/cpu.
double cpu_copy_gbps(const std::filesystem::path& cache_root, const std::string& device);

}  // namespace foundry
