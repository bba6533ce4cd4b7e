#include "backends/cpu/cpu_runtime.hpp"

#include <dlfcn.h>
#include <fenv.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "backends/copy_bandwidth.hpp"
#include "backends/timing.hpp"

namespace foundry {

ThreadPool::ThreadPool(int max_threads) : max_threads_(std::clamp(max_threads, 1, 255)) {
  for (int t = 1; t < max_threads_; ++t) workers_.emplace_back([this, t] { loop(t); });
}

ThreadPool::~ThreadPool() {
  stop_ = true;
  state_.fetch_add(1u << 8);
  state_.notify_all();
  for (auto& w : workers_) w.join();
}

void ThreadPool::loop(int t) {
  uint32_t seen = 0;
  for (;;) {
    state_.wait(seen);
    const uint32_t s = state_.load(std::memory_order_acquire);
    if (s == seen) continue;
    seen = s;
    if (stop_) return;
    // Participation is decided from the same word that names the run, so a
    // slow worker can never join one run twice.
    if (t < static_cast<int>(s & 0xffu)) {
      fn_(ctx_, t, static_cast<int>(s & 0xffu));
      if (remaining_.fetch_sub(1) == 1) remaining_.notify_one();
    }
  }
}

void ThreadPool::run(int threads, void (*fn)(void*, int, int), void* ctx) {
  threads = std::clamp(threads, 1, max_threads_);
  if (threads == 1) {
    fn(ctx, 0, 1);
    return;
  }
  fn_ = fn;
  ctx_ = ctx;
  remaining_ = threads - 1;
  const uint32_t generation = (state_.load() >> 8) + 1;
  state_.store((generation << 8) | static_cast<uint32_t>(threads), std::memory_order_release);
  state_.notify_all();
  fn(ctx, 0, threads);
  for (int r = remaining_.load(); r != 0; r = remaining_.load()) remaining_.wait(r);
}

CpuKernel::CpuKernel(const std::filesystem::path& so) {
  // An object linked with -ffast-math runs a constructor that turns on
  // flush-to-zero for the loading thread; restore the floating-point
  // environment so one variant cannot change how later ones compute.
  fenv_t env;
  fegetenv(&env);
  handle_ = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  fesetenv(&env);
  if (!handle_) throw std::runtime_error(fmt::format("dlopen {}: {}", so.string(), dlerror()));
  fn_ = reinterpret_cast<LaunchFn>(dlsym(handle_, "foundry_launch"));
  if (!fn_) throw std::runtime_error(fmt::format("{} has no foundry_launch entry point", so.string()));
}

CpuKernel::~CpuKernel() {
  if (handle_) dlclose(handle_);
}

namespace {
struct LaunchCtx {
  LaunchFn fn;
  void* const* args;
  int64_t grid;
};
void launch_chunk(void* p, int t, int threads) {
  auto* c = static_cast<LaunchCtx*>(p);
  int64_t b0 = c->grid * t / threads, b1 = c->grid * (t + 1) / threads;
  if (b0 < b1) c->fn(c->args, b0, b1, c->grid);
}

struct CopyCtx {
  const char* src;
  char* dst;
  std::size_t bytes;
};
void copy_chunk(void* p, int t, int threads) {
  auto* c = static_cast<CopyCtx*>(p);
  std::size_t b0 = c->bytes * t / threads, b1 = c->bytes * (t + 1) / threads;
  std::memcpy(c->dst + b0, c->src + b0, b1 - b0);
}
}  // namespace

void CpuKernel::launch(ThreadPool& pool, void* const* args, int64_t grid, int threads) const {
  LaunchCtx c{fn_, args, grid};
  pool.run(static_cast<int>(std::min<int64_t>(threads, std::max<int64_t>(grid, 1))), launch_chunk, &c);
}

double measure_cpu_copy_gbps(ThreadPool& pool) {
  const std::size_t bytes = std::clamp<std::size_t>(8 * last_level_cache_bytes(), std::size_t{256} << 20, std::size_t{1} << 30);
  std::vector<char> src(bytes, 1), dst(bytes, 0);
  double best_median = 0;
  // Copy bandwidth is the ceiling for kernels that may use every core: try each
  // thread count and keep the fastest median.
  for (int threads = 1; threads <= pool.max_threads(); ++threads) {
    CopyCtx c{src.data(), dst.data(), bytes};
    std::vector<double> s;
    for (int rep = 0; rep < 9; ++rep) {
      auto t0 = std::chrono::steady_clock::now();
      pool.run(threads, copy_chunk, &c);
      s.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(s.begin(), s.end());
    best_median = std::max(best_median, 2.0 * static_cast<double>(bytes) / s[s.size() / 2] / 1e9);
  }
  return best_median;
}

double cpu_copy_gbps(const std::filesystem::path& cache_root, const std::string& device) {
  return cached_copy_gbps(cache_root / "cpu", device, "memcpy, all thread counts, median of 9", [] {
    ThreadPool pool(static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)));
    return measure_cpu_copy_gbps(pool);
  });
}

}  // namespace foundry
