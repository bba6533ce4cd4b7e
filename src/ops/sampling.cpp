#include "ops/sampling.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "ops/op_contract.hpp"

namespace foundry::sampling {

std::vector<int64_t> distinct_indices(uint64_t seed, uint64_t stream, uint64_t first_counter,
                                      int64_t count, int64_t range) {
  if (count > range) throw std::invalid_argument("distinct_indices: count exceeds range");
  std::vector<int64_t> pool(static_cast<std::size_t>(range));
  std::iota(pool.begin(), pool.end(), int64_t{0});
  for (int64_t i = 0; i < count; ++i) {
    const double u = uniform01(seed, stream, first_counter + static_cast<uint64_t>(i));
    const int64_t j = std::min(range - 1, i + static_cast<int64_t>(u * static_cast<double>(range - i)));
    std::swap(pool[i], pool[j]);
  }
  pool.resize(static_cast<std::size_t>(count));
  return pool;
}

double rank_value(int64_t q) {
  const int64_t a = q < 0 ? -q : q;
  // Below 256 every integer fits 8 bits; above, each block of 128 ranks is one
  // binade whose spacing doubles.
  const double v = a < 256 ? static_cast<double>(a) : std::ldexp(128.0 + static_cast<double>(a % 128), static_cast<int>(a / 128 - 1));
  return q < 0 ? -v : v;
}

double rank_step(int64_t count, double magnitude) {
  const int span = static_cast<int>(std::floor(std::log2(static_cast<double>(std::max<int64_t>(count, 1)))));
  const int mag = static_cast<int>(std::lround(std::log2(magnitude)));
  return std::ldexp(1.0, 2 - span + mag);
}

void fill_distinct_row(HostBuffer& b, int64_t row, int64_t cols, int64_t lowest_rank, double step,
                       uint64_t seed, uint64_t stream) {
  const auto order = distinct_indices(seed, stream, static_cast<uint64_t>(row * cols), cols, cols);
  for (int64_t j = 0; j < cols; ++j)
    b.set(static_cast<std::size_t>(row * cols + j), step * rank_value(lowest_rank + order[j]));
}

void add_rank_outliers(HostBuffer& b, int64_t rows, int64_t cols, uint64_t seed, uint64_t stream) {
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t j = std::min(cols - 1, static_cast<int64_t>(uniform01(seed, stream, static_cast<uint64_t>(r)) * static_cast<double>(cols)));
    b.set(static_cast<std::size_t>(r * cols + j), r % 2 ? -8192.0 : 8192.0);
  }
}

std::vector<int32_t> sample_routes(uint64_t seed, uint64_t stream, int64_t tokens, int64_t experts,
                                   int64_t topk) {
  if (topk > experts) throw std::invalid_argument("sample_routes: topk exceeds experts");
  // Counters: [0, experts) popularity, [experts, 2*experts) emptiness, then one per pick.
  std::vector<double> popularity(static_cast<std::size_t>(experts));
  int64_t usable = experts;
  for (int64_t e = 0; e < experts; ++e) {
    popularity[e] = std::exp(normal(seed, stream, static_cast<uint64_t>(e)));
    if (usable > topk && uniform01(seed, stream, static_cast<uint64_t>(experts + e)) < 0.125) {
      popularity[e] = 0;
      --usable;
    }
  }
  std::vector<int32_t> ids(static_cast<std::size_t>(tokens * topk));
  for (int64_t t = 0; t < tokens; ++t) {
    std::vector<double> left = popularity;
    for (int64_t j = 0; j < topk; ++j) {
      const uint64_t counter = static_cast<uint64_t>(2 * experts + t * topk + j);
      double target = uniform01(seed, stream, counter) * std::accumulate(left.begin(), left.end(), 0.0);
      // Falls back to the last available expert when rounding runs past the end.
      int64_t pick = -1;
      for (int64_t e = 0; e < experts; ++e) {
        if (left[e] == 0) continue;
        pick = e;
        if (target < left[e]) break;
        target -= left[e];
      }
      ids[t * topk + j] = static_cast<int32_t>(pick);
      left[pick] = 0;
    }
  }
  return ids;
}

PackedRoutes pack_routes(const std::vector<int32_t>& expert_ids, int64_t experts) {
  PackedRoutes p;
  p.offsets.assign(static_cast<std::size_t>(experts + 1), 0);
  for (int32_t e : expert_ids) ++p.offsets[e + 1];
  std::partial_sum(p.offsets.begin(), p.offsets.end(), p.offsets.begin());
  std::vector<int32_t> next(p.offsets.begin(), p.offsets.end() - 1);
  p.sorted_slots.resize(expert_ids.size());
  for (std::size_t s = 0; s < expert_ids.size(); ++s) p.sorted_slots[next[expert_ids[s]]++] = static_cast<int32_t>(s);
  return p;
}

std::vector<int32_t> sample_sorted_slots(uint64_t seed, uint64_t stream, int64_t tokens, int64_t topk) {
  const int64_t experts = std::max<int64_t>(64, topk);
  return pack_routes(sample_routes(seed, stream, tokens, experts, topk), experts).sorted_slots;
}

}  // namespace foundry::sampling
