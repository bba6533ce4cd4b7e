#include "core/stats.hpp"

#include <algorithm>
#include <cmath>

namespace foundry {

namespace {
double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  double pos = q * static_cast<double>(sorted.size() - 1);
  auto lo = static_cast<std::size_t>(std::floor(pos));
  auto hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - static_cast<double>(lo));
}
}  // namespace

LatencyStats summarize(std::vector<double> s) {
  LatencyStats r;
  if (s.empty()) return r;
  std::sort(s.begin(), s.end());
  r.n = static_cast<int>(s.size());
  r.p50 = quantile(s, 0.5);
  r.p90 = quantile(s, 0.9);
  r.min = s.front();
  double sum = 0;
  for (double v : s) sum += v;
  r.mean = sum / r.n;
  double var = 0;
  for (double v : s) var += (v - r.mean) * (v - r.mean);
  r.stdev = r.n > 1 ? std::sqrt(var / (r.n - 1)) : 0;
  return r;
}

double median_rse(const LatencyStats& s) {
  if (s.n < 2 || s.p50 <= 0) return 1.0;
  return 1.2533 * s.stdev / std::sqrt(static_cast<double>(s.n)) / s.p50;
}

}  // namespace foundry
