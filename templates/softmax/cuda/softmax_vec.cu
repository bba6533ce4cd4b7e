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

// Max or sum over the kTpr threads of one row (consecutive threads); result in
// all of them. Every thread of the block must call it (it may contain __syncthreads).
template <bool MAX>
static __device__ __forceinline__ float row_reduce(float v, float* red) {
  constexpr int kW = kTpr < 32 ? kTpr : 32;
#pragma unroll
  for (int o = kW / 2; o > 0; o >>= 1) {
    const float u = __shfl_xor_sync(0xffffffffu, v, o);
    v = MAX ? fmaxf(v, u) : v + u;
  }
  if constexpr (kTpr > 32) {
    constexpr int kWpr = kTpr / 32;  // warps per row
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    __syncthreads();  // earlier readers of red[] are done
    if (lane == 0) red[warp] = v;
    __syncthreads();
    v = lane < kWpr ? red[(warp / kWpr) * kWpr + lane] : (MAX ? -INFINITY : 0.0f);
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
      const float u = __shfl_xor_sync(0xffffffffu, v, o);
      v = MAX ? fmaxf(v, u) : v + u;
    }
  }
  return v;
}

// Item i of thread t covers columns base + (i*kTpr + t)*kVec .. +kVec.
static __device__ __forceinline__ int64_t item_col(int64_t base, int i, int t) {
  return base + (int64_t)(i * kTpr + t) * kVec;
}

// Columns past the row (or rows past the end) read as -inf: they add nothing to
// the max, and exp() of them is 0.
template <bool ALIGNED>
static __device__ __forceinline__ void load_items(const T* p, int64_t base, int64_t cols, int t, bool active,
                                                  float (&v)[kItems][kVec]) {
#pragma unroll
  for (int i = 0; i < kItems; ++i) {
    const int64_t c0 = item_col(base, i, t);
    if constexpr (ALIGNED) {
      if (active && c0 < cols) {
        const Vec<kVec> u = load_vec<kVec>(p + c0);
#pragma unroll
        for (int e = 0; e < kVec; ++e) v[i][e] = to_f(u.v[e]);
      } else {
#pragma unroll
        for (int e = 0; e < kVec; ++e) v[i][e] = -INFINITY;
      }
    } else {
#pragma unroll
      for (int e = 0; e < kVec; ++e) v[i][e] = (active && c0 + e < cols) ? to_f(p[c0 + e]) : -INFINITY;
    }
  }
}

static __device__ __forceinline__ float items_max(const float (&v)[kItems][kVec]) {
  float m = -INFINITY;
#pragma unroll
  for (int i = 0; i < kItems; ++i)
#pragma unroll
    for (int e = 0; e < kVec; ++e) m = fmaxf(m, v[i][e]);
  return m;
}

// exp(v - m) in place and its sum; m is finite whenever any item is a real column.
static __device__ __forceinline__ float items_exp(float (&v)[kItems][kVec], float m) {
  float s = 0.0f;
  if (m == -INFINITY) {  // nothing of the row here: -inf - -inf would be NaN
#pragma unroll
    for (int i = 0; i < kItems; ++i)
#pragma unroll
      for (int e = 0; e < kVec; ++e) v[i][e] = 0.0f;
    return s;
  }
#pragma unroll
  for (int i = 0; i < kItems; ++i)
#pragma unroll
    for (int e = 0; e < kVec; ++e) {
      v[i][e] = expf(v[i][e] - m);
      s += v[i][e];
    }
  return s;
}

template <bool ALIGNED>
static __device__ __forceinline__ void store_items(T* p, int64_t base, int64_t cols, int t, bool active,
                                                   const float (&v)[kItems][kVec], float inv) {
#pragma unroll
  for (int i = 0; i < kItems; ++i) {
    const int64_t c0 = item_col(base, i, t);
    if constexpr (ALIGNED) {
      if (active && c0 < cols) {
        Vec<kVec> o;
#pragma unroll
        for (int e = 0; e < kVec; ++e) o.v[e] = from_f(v[i][e] * inv);
        store_vec<kVec>(p + c0, o);
      }
    } else {
#pragma unroll
      for (int e = 0; e < kVec; ++e)
        if (active && c0 + e < cols) p[c0 + e] = from_f(v[i][e] * inv);
    }
  }
}

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
      load_items<ALIGNED>(xr, 0, cols, t, active, v);
      const float m = row_reduce<true>(items_max(v), red);
      const float s = row_reduce<false>(items_exp(v, m), red);
      store_items<ALIGNED>(yr, 0, cols, t, active, v, 1.0f / s);
    } else {  // online max and rescaled sum per thread, then a re-reading write pass
      float m = -INFINITY, s = 0.0f;
      for (int64_t base = 0; base < cols; base += kCap) {
        load_items<ALIGNED>(xr, base, cols, t, active, v);
        const float cm = items_max(v);
        if (cm > m) {
          s *= expf(m - cm);  // 0 while m is still -inf (s is 0 then too)
          m = cm;
        }
        s += items_exp(v, m);
      }
      const float rm = row_reduce<true>(m, red);
      s = m == -INFINITY ? 0.0f : s * expf(m - rm);
      const float inv = 1.0f / row_reduce<false>(s, red);
      for (int64_t base = 0; base < cols; base += kCap) {
        load_items<ALIGNED>(xr, base, cols, t, active, v);
        items_exp(v, rm);
        store_items<ALIGNED>(yr, base, cols, t, active, v, inv);
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
