// Input-generation helpers shared by the indexing and MoE ops: distinct index
// sets, rows of distinct exactly representable values, synthetic MoE routing.
// All draws come from uniform01/normal, so results are deterministic per seed.
#pragma once
#include <cstdint>
#include <vector>

#include "core/buffer.hpp"

namespace foundry::sampling {

// `count` distinct values from [0, range) in random order: a partial
// Fisher-Yates shuffle drawing uniform01(seed, stream, first_counter + i).
std::vector<int64_t> distinct_indices(uint64_t seed, uint64_t stream, uint64_t first_counter,
                                      int64_t count, int64_t range);

// The |q|-th nonnegative integer with at most 8 significant bits, signed like q:
// 0, 1, ..., 256, 258, ..., 510, 512, 516, ... Strictly increasing in q, and
// times a power of two it is exact in bf16, f16 and f32 (while in range), so
// distinct ranks stay distinct after rounding to any candidate dtype.
double rank_value(int64_t q);

// Power of two step putting `count` consecutive ranks centred on zero within
// [-2, 2) to [-4, 4) times magnitude (while count <= 512); magnitude is
// rounded to a power of two to keep exactness.
double rank_step(int64_t count, double magnitude);

// Row `row` of a [rows, cols] buffer gets step * rank_value(q) for
// q = lowest_rank .. lowest_rank + cols - 1 in random order.
void fill_distinct_row(HostBuffer& b, int64_t row, int64_t cols, int64_t lowest_rank, double step,
                       uint64_t seed, uint64_t stream);

// One outlier per row of a distinct-valued buffer: +8192 in even rows, -8192
// in odd ones, at a seeded position. Exact in every dtype and far beyond the
// rows' own values (at most 4 x 64 x 4), so the values stay distinct.
void add_rank_outliers(HostBuffer& b, int64_t rows, int64_t cols, uint64_t seed, uint64_t stream);

// Synthetic MoE routing as flat expert ids [tokens*topk]: every token picks
// topk distinct experts, drawn without replacement with log-normal popularity
// (skew), and about one expert in eight is never picked (empty groups) while
// at least topk stay available. Requires topk <= experts.
std::vector<int32_t> sample_routes(uint64_t seed, uint64_t stream, int64_t tokens, int64_t experts,
                                   int64_t topk);

struct PackedRoutes {
  std::vector<int32_t> offsets;       // [experts+1]: exclusive prefix sum of group sizes
  std::vector<int32_t> sorted_slots;  // slots grouped by expert, increasing within a group
};

// Stable counting sort of the flat slots by expert id.
PackedRoutes pack_routes(const std::vector<int32_t>& expert_ids, int64_t experts);

// A realistic sorted_slots for ops that take one without knowing the experts:
// the packing of sample_routes over a 64-expert router (more if topk needs).
std::vector<int32_t> sample_sorted_slots(uint64_t seed, uint64_t stream, int64_t tokens, int64_t topk);

}  // namespace foundry::sampling
