#pragma once
#include <vector>

namespace foundry {

struct LatencyStats {
  double p50 = 0, p90 = 0, min = 0, mean = 0, stdev = 0;
  int n = 0;
};

// Summary of samples (any unit); p50/p90 by linear interpolation.
LatencyStats summarize(std::vector<double> samples);
// Relative standard error of the median, ~1.2533 * stdev / sqrt(n) / median.
double median_rse(const LatencyStats& s);

}  // namespace foundry
