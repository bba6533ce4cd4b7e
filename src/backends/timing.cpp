#include "backends/timing.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <string>

#include <fmt/format.h>

namespace foundry {

std::size_t last_level_cache_bytes() {
  // The per-instance size from sysfs: sysconf may report the whole socket's L3.
  std::size_t best = 0;
  for (int i = 0; i < 8; ++i) {
    std::ifstream in(fmt::format("/sys/devices/system/cpu/cpu0/cache/index{}/size", i));
    std::string v;
    if (!(in >> v) || v.empty()) continue;
    std::size_t n = std::stoull(v);
    if (v.back() == 'K') n <<= 10;
    if (v.back() == 'M') n <<= 20;
    best = std::max(best, n);
  }
  if (best == 0) best = static_cast<std::size_t>(std::max(0L, sysconf(_SC_LEVEL3_CACHE_SIZE)));
  if (best == 0) best = std::size_t{32} << 20;
  return std::min(best, std::size_t{256} << 20);
}

void CacheFlusher::flush() {
  if (buffer_.empty()) buffer_.resize(2 * last_level_cache_bytes());
  std::memset(buffer_.data(), ++value_, buffer_.size());
}

LatencyStats adaptive_samples(const std::function<void()>& warm, const std::function<double()>& timed_us,
                              const BenchConfig& cfg, const std::function<bool()>& stop) {
  std::vector<double> samples;
  for (int i = 0; i < cfg.warmup; ++i) {
    warm();
    if (stop && stop()) return summarize(samples);
  }
  const auto start = std::chrono::steady_clock::now();
  for (int runs = 0; static_cast<int>(samples.size()) < cfg.max_repeats && runs < 4 * cfg.max_repeats; ++runs) {
    const double us = timed_us();
    if (stop && stop()) break;
    if (std::isnan(us)) continue;  // a decoy: run and flushed like the others, not a sample
    samples.push_back(us);
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
