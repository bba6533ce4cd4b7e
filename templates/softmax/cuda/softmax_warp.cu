// ---
// id: softmax_warp
// op: softmax
// backend: cuda
// summary: TPR threads per row (a warp, or 2 or 4 warps meeting at a named barrier of their own), THREADS/TPR rows per block, VEC-element loads (evict-first when STREAM); when cols <= TPR*VEC*ITEMS the row stays in registers as stored (packed, e.g. bf16x2, not widened to float) for max, exp-sum and write - one read, one write, exp computed twice; else an online max/sum pass and a re-reading write pass; scalar streaming path when cols % VEC != 0
// knobs:
//   THREADS: [128, 256, 512]
//   TPR: [32, 64, 128]
//   VEC: [4, 8]
//   ITEMS: [2, 4, 8, 16]
//   FAST_MATH: [0, 1]
//   STREAM: [0, 1]
// constraints:
//   - TPR == 32 || THREADS / TPR <= 15
//   - VEC * ITEMS <= 128
// launch:
//   grid: cdiv(rows, THREADS / TPR)
//   threads: THREADS
// flags_if:
//   FAST_MATH: [--use_fast_math]
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}})

constexpr int kThreads = {{THREADS}};
constexpr int kTpr = {{TPR}};                // threads per row: whole warps
constexpr int kGroups = kThreads / kTpr;  // rows per block
constexpr int kVec = {{VEC}};
constexpr int kItems = {{ITEMS}};
constexpr int kStream = {{STREAM}};
constexpr int kCap = kTpr * kVec * kItems;  // elements of a row held in registers

// Item i of thread t covers columns base + (i*kTpr + t)*kVec .. +kVec (rowgroup_col), kept as kVec
// stored elements (rowgroup_load_packed). Columns past the row hold -inf: nothing to the max, 0 after exp().

template <int N>
static __device__ __forceinline__ float items_max(const Vec<kVec> (&v)[N]) {
  float m = -INFINITY;
#pragma unroll
  for (int i = 0; i < N; ++i) {
    float f[kVec];
    unpack_f<kVec>(v[i], f, 0.0f);
#pragma unroll
    for (int e = 0; e < kVec; ++e) m = fmaxf(m, f[e]);
  }
  return m;
}

// Sum of exp(v - m); m is finite (the row's max, or a thread's running max over real columns).
template <int N>
static __device__ __forceinline__ float items_expsum(const Vec<kVec> (&v)[N], float m) {
  float s = 0.0f;
#pragma unroll
  for (int i = 0; i < N; ++i) {
    float f[kVec];
    unpack_f<kVec>(v[i], f, m);
#pragma unroll
    for (int e = 0; e < kVec; ++e) s += expf(f[e]);
  }
  return s;
}

// Aligned rows that fit: one read, one write. Otherwise (longer rows, or cols % VEC != 0 with its scalar
// accesses) stream through the row, at most 4 items (1 when scalar) per thread and pass an online max and rescaled sum per
// thread, then a re-reading write pass.
template <bool ALIGNED>
static __device__ __forceinline__ void softmax_row(const T* x, T* y, int64_t cols, int t, float* slots_max,
                                                   float* slots_sum) {
  if constexpr (ALIGNED) {
    if (cols <= kCap) {
      Vec<kVec> v[kItems];
      rowgroup_load_packed<kTpr, kStream, true>(x, 0, cols, t, from_f(-INFINITY), v);
      float m = group_reduce<kTpr, true>(items_max(v), slots_max);
      if (m == -INFINITY) m = 0.0f;  // an empty row: nothing is written
      const float s = group_reduce<kTpr, false>(items_expsum(v, m), slots_sum);
      const float inv = 1.0f / s;
      rowgroup_store_packed<kTpr, kStream, true>(y, 0, cols, t, v, m, [=](float f) { return expf(f) * inv; });
      return;
    }
  }
  constexpr int kN = !ALIGNED ? 1 : kItems < 4 ? kItems : 4;  // few items per pass: registers stay free
  constexpr int kStep = kTpr * kVec * kN;
  Vec<kVec> v[kN];
  float m = -INFINITY, s = 0.0f;
  for (int64_t base = 0; base < cols; base += kStep) {
    rowgroup_load_packed<kTpr, kStream, ALIGNED>(x, base, cols, t, from_f(-INFINITY), v);
    const float cm = items_max(v);
    if (cm == -INFINITY) continue;  // nothing of the row in this chunk for this thread
    if (cm > m) {
      s *= expf(m - cm);  // 0 while m is still -inf (s is 0 then too)
      m = cm;
    }
    s += items_expsum(v, m);
  }
  const float rm = group_reduce<kTpr, true>(m, slots_max);
  s = m == -INFINITY ? 0.0f : s * expf(m - rm);
  const float inv = 1.0f / group_reduce<kTpr, false>(s, slots_sum);
  for (int64_t base = 0; base < cols; base += kStep) {
    rowgroup_load_packed<kTpr, kStream, ALIGNED>(x, base, cols, t, from_f(-INFINITY), v);
    rowgroup_store_packed<kTpr, kStream, ALIGNED>(y, base, cols, t, v, rm, [=](float f) { return expf(f) * inv; });
  }
}

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT x, T* FOUNDRY_RESTRICT y, int64_t rows, int64_t cols) {
  __shared__ float slots_max[kThreads / 32], slots_sum[kThreads / 32];
  const int64_t r = (int64_t)blockIdx.x * kGroups + threadIdx.x / kTpr;
  if (r >= rows) return;  // the whole row group leaves; the others sync among themselves
  const int t = threadIdx.x % kTpr;
  // Rows start at r*cols elements: whole-vector accesses need cols % VEC == 0.
  if (cols % kVec == 0)
    softmax_row<true>(x + r * cols, y + r * cols, cols, t, slots_max, slots_sum);
  else
    softmax_row<false>(x + r * cols, y + r * cols, cols, t, slots_max, slots_sum);
}
