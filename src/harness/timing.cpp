#include "harness/timing.hpp"

#include <chrono>
#include <cstring>

#include "backends/cpu/cpu_runtime.hpp"

namespace foundry {

void CacheFlusher::flush() {
  if (buffer_.empty()) buffer_.resize(2 * last_level_cache_bytes());
  std::memset(buffer_.data(), ++value_, buffer_.size());
}

LatencyStats time_cpu(const std::function<void()>& run, const BenchConfig& cfg, CacheFlusher& flusher) {
  for (int i = 0; i < cfg.warmup; ++i) run();
  std::vector<double> samples;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < cfg.max_repeats; ++i) {
    if (cfg.flush_cache) flusher.flush();
    const auto t0 = std::chrono::steady_clock::now();
    run();
    const auto t1 = std::chrono::steady_clock::now();
    samples.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    if (static_cast<int>(samples.size()) >= cfg.min_repeats) {
      if (median_rse(summarize(samples)) < cfg.target_rse) break;
      if (std::chrono::duration<double>(t1 - start).count() > cfg.max_seconds) break;
    }
  }
  return summarize(samples);
}

}  // namespace foundry
