// The timed loop every CPU latency in foundry comes from: warm-up runs, then
// timed runs with the last-level cache evicted between them, until the
// median's relative standard error is small or a cap is reached.
#pragma once
#include <cstddef>
#include <functional>
#include <vector>

#include "core/stats.hpp"

namespace foundry {

struct BenchConfig {
  int warmup = 3;
  int min_repeats = 10;
  int max_repeats = 200;
  double target_rse = 0.005;  // stop when the median's relative standard error is below this
  double max_seconds = 0.5;   // time cap on the timed loop
  bool flush_cache = true;    // evict the LLC between repetitions
};

// Size of the host's last-level cache in bytes (a safe default if unknown).
std::size_t last_level_cache_bytes();

class CacheFlusher {
 public:
  // Writes a buffer of twice the last-level cache, so the next run starts cold.
  void flush();

 private:
  std::vector<char> buffer_;
  unsigned char value_ = 0;
};

// The adaptive loop shared by every backend: `warm` runs cfg.warmup times,
// then `timed_us` (one flushed, timed run returning microseconds) repeats
// until the median's RSE is below target (after min_repeats), or the caps.
// A timed run that returns NaN is a decoy, not a sample (at most 4 x
// max_repeats timed runs in all). `stop`, where given, is asked after every
// run: true ends the loop at once (a run failed; the samples so far are
// returned).
LatencyStats adaptive_samples(const std::function<void()>& warm, const std::function<double()>& timed_us,
                              const BenchConfig& cfg, const std::function<bool()>& stop = {});

// Latency of `run` in microseconds (steady clock around each call).
LatencyStats time_cpu(const std::function<void()>& run, const BenchConfig& cfg, CacheFlusher& flusher);

}  // namespace foundry
