// ---
// id: topk_warp
// op: topk
// backend: cuda
// summary: LANES lanes per row (a warp or a slice of one), row held in registers (ITEMS per lane) when cols <= LANES*ITEMS; k rounds of a shuffle argmax over the lanes' best remaining elements, after which only the winning lane rescans its own elements; streaming rescans from memory for longer rows
// knobs:
//   THREADS: [64, 128, 256]
//   LANES: [4, 8, 16, 32]
//   ITEMS: [2, 4, 8, 16, 32, 64]
// launch:
//   grid: cdiv(rows, THREADS / LANES)
//   threads: THREADS
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}}, 1)

constexpr int kThreads = {{THREADS}};
constexpr int kLanes = {{LANES}};  // lanes per row: consecutive lanes of one warp
constexpr int kItems = {{ITEMS}};
constexpr int kRows = kThreads / kLanes;  // rows per block
constexpr int kNone = 0x7fffffff;        // column of "no candidate"

// Element (v, c) is still unpicked when it ranks below the lane's last pick (tv, tc).
static __device__ __forceinline__ bool unpicked(float v, int c, float tv, int tc) {
  return tc == kNone || v < tv || (v == tv && c > tc);
}

template <bool IN_REGS>
static __device__ __forceinline__ void topk_rows(const T* x, T* values, int32_t* indices, int64_t rows, int64_t cols,
                                                 int64_t k) {
  const int lane = threadIdx.x % kLanes;
  const int ncols = (int)cols;  // topk rows are far below 2^31 columns
  for (int64_t r0 = (int64_t)blockIdx.x * kRows; r0 < rows; r0 += (int64_t)gridDim.x * kRows) {
    const int64_t r = r0 + threadIdx.x / kLanes;
    const bool active = r < rows;
    const T* xr = x + (active ? r : 0) * cols;
    // Lane l owns columns l, l + kLanes, l + 2*kLanes, ...
    float v[IN_REGS ? kItems : 1];
    if constexpr (IN_REGS) {
#pragma unroll
      for (int i = 0; i < kItems; ++i) {
        const int c = i * kLanes + lane;
        v[i] = (active && c < ncols) ? to_f(xr[c]) : -INFINITY;
      }
    }
    // The lane's best element ranking below its last pick (tv, tc).
    float tv = 0.0f, bv = -INFINITY;
    int tc = kNone, bc = kNone;
    auto rescan = [&]() {
      bv = -INFINITY;
      bc = kNone;
      if (!active) return;
      if constexpr (IN_REGS) {
#pragma unroll
        for (int i = 0; i < kItems; ++i) {
          const int c = i * kLanes + lane;
          if (c < ncols && unpicked(v[i], c, tv, tc) && ranks_above(v[i], c, bv, bc)) {
            bv = v[i];
            bc = c;
          }
        }
      } else {
        for (int c = lane; c < ncols; c += kLanes) {
          const float u = to_f(xr[c]);
          if (unpicked(u, c, tv, tc) && ranks_above(u, c, bv, bc)) {
            bv = u;
            bc = c;
          }
        }
      }
    };
    rescan();
    for (int64_t j = 0; j < k; ++j) {  // same trip count in every lane of the warp
      float wv = bv;
      int wc = bc;
      lanes_argmax<kLanes>(wv, wc);
      if (active && lane == (int)(j % kLanes)) {
        values[r * k + j] = from_f(wv);
        indices[r * k + j] = wc;
      }
      if (bc == wc && bc != kNone) {  // this lane's candidate was taken
        tv = bv;
        tc = bc;
        rescan();
      }
    }
  }
}

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT x, T* FOUNDRY_RESTRICT values,
                                       int32_t* FOUNDRY_RESTRICT indices, int64_t rows, int64_t cols, int64_t k) {
  if (cols <= (int64_t)kLanes * kItems)
    topk_rows<true>(x, values, indices, rows, cols, k);
  else
    topk_rows<false>(x, values, indices, rows, cols, k);
}
