#include "harness/timing.hpp"

#include <chrono>
#include <cstring>

#include "backends/cpu/cpu_runtime.hpp"

namespace foundry {

void CacheFlusher::flush() {
  if (buffer_.empty()) buffer_.resize(2 * last_level_cache_bytes());
  std::memset(buffer_.data(), ++value_, buffer_.size());
}

LatencyStats adaptive_samples(const std::function<void()>& warm, const std::function<double()>& timed_us,
                              const BenchConfig& cfg) {
  for (int i = 0; i < cfg.warmup; ++i) warm();
  std::vector<double> samples;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < cfg.max_repeats; ++i) {
    samples.push_back(timed_us());
    if (static_cast<int>(samples.size()) >= cfg.min_repeats) {
      if (median_rse(summarize(samples)) < cfg.target_rse) break;
      if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > cfg.max_seconds) break;
    }
  }
  return summarize(samples);
}

LatencyStats time_cpu(const std::function<void()>& run, const BenchConfig& cfg, CacheFlusher& flusher) {
  return adaptive_samples(run, [&] {
    if (cfg.flush_cache) flusher.flush();
    const auto t0 = std::chrono::steady_clock::now();
    run();
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  }, cfg);
}

}  // namespace foundry
