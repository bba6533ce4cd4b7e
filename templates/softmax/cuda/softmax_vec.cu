// ---
// id: softmax_vec
// op: softmax
// backend: cuda
// summary: ROWS rows per block with THREADS/ROWS threads per row (a block, warp or half-warp each), VEC-element loads, row held in registers (ITEMS vectors per thread) for max, exp-sum and write when cols <= THREADS/ROWS*VEC*ITEMS (one read of x, one write of y, one exp per element), else an online max/sum pass and a re-reading write pass; scalar path when cols % VEC != 0
// knobs:
//   THREADS: [128, 256, 512, 1024]
//   ROWS: [1, 2, 4]
//   VEC: [4, 8]
//   ITEMS: [1, 2, 4, 8]
//   FAST_MATH: [0, 1]
// constraints:
//   - THREADS * VEC * ITEMS <= 16384
// launch:
//   grid: cdiv(rows, ROWS)
//   threads: THREADS
// flags_if:
//   FAST_MATH: [--use_fast_math]
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}}, 1)

constexpr int kThreads = {{THREADS}};
constexpr int kRows = {{ROWS}};
constexpr int kTpr = kThreads / kRows;  // threads per row: a power of two, 32..1024
constexpr int kVec = {{VEC}};
constexpr int kItems = {{ITEMS}};
constexpr int kCap = kTpr * kVec * kItems;  // elements of a row held in registers

// Item i of thread t covers columns base + (i*kTpr + t)*kVec .. +kVec (rowgroup_col). Columns past the row
// (or rows past the end) are loaded as -inf: they add nothing to the max, and exp() of them is 0 (items_max,
// items_exp).

template <bool ALIGNED>
static __device__ __forceinline__ void softmax_rows(const T* x, T* y, int64_t rows, int64_t cols, float* red) {
  const int g = threadIdx.x / kTpr, t = threadIdx.x % kTpr;
  // The trip count is the same for every thread of the block.
  for (int64_t r0 = (int64_t)blockIdx.x * kRows; r0 < rows; r0 += (int64_t)gridDim.x * kRows) {
    const int64_t r = r0 + g;
    const bool active = r < rows;
    const T* xr = x + (active ? r : 0) * cols;
    T* yr = y + (active ? r : 0) * cols;
    float v[kItems][kVec];
    if (cols <= kCap) {  // whole row in registers: one read, one write
      rowgroup_load<kTpr, kVec, kItems, ALIGNED>(xr, 0, cols, t, active, v, -INFINITY);
      const float m = rowgroup_reduce<kTpr, true>(items_max(v), red);
      const float s = rowgroup_reduce<kTpr, false>(items_exp(v, m), red);
      const float inv = 1.0f / s;
      rowgroup_store<kTpr, ALIGNED>(yr, 0, cols, t, active, v, [=](float f) { return f * inv; });
    } else {  // online max and rescaled sum per thread, then a re-reading write pass
      float m = -INFINITY, s = 0.0f;
      for (int64_t base = 0; base < cols; base += kCap) {
        rowgroup_load<kTpr, kVec, kItems, ALIGNED>(xr, base, cols, t, active, v, -INFINITY);
        const float cm = items_max(v);
        if (cm > m) {
          s *= expf(m - cm);  // 0 while m is still -inf (s is 0 then too)
          m = cm;
        }
        s += items_exp(v, m);
      }
      const float rm = rowgroup_reduce<kTpr, true>(m, red);
      s = m == -INFINITY ? 0.0f : s * expf(m - rm);
      const float inv = 1.0f / rowgroup_reduce<kTpr, false>(s, red);
      for (int64_t base = 0; base < cols; base += kCap) {
        rowgroup_load<kTpr, kVec, kItems, ALIGNED>(xr, base, cols, t, active, v, -INFINITY);
        items_exp(v, rm);
        rowgroup_store<kTpr, ALIGNED>(yr, base, cols, t, active, v, [=](float f) { return f * inv; });
      }
    }
  }
}

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT x, T* FOUNDRY_RESTRICT y, int64_t rows, int64_t cols) {
  __shared__ float red[kThreads / 32];
  // Rows start at r*cols elements: whole-vector accesses need cols % VEC == 0.
  if (cols % kVec == 0)
    softmax_rows<true>(x, y, rows, cols, red);
  else
    softmax_rows<false>(x, y, rows, cols, red);
}
