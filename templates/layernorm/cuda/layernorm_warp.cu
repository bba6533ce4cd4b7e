// ---
// id: layernorm_warp
// op: layernorm
// backend: cuda
// summary: TPR threads per row (a warp, or 2 or 4 warps meeting at a named barrier of their own), THREADS/TPR rows per block, VEC-element loads (evict-first when STREAM); when cols <= TPR*VEC*ITEMS the row stays in registers as stored (packed, e.g. bf16x2, not widened to float) for the exact two-pass mean/variance (sums shifted by the row's first element, so a constant row's mean is exact) and the write - one read, one write; else streaming re-reads; scalar streaming path when cols % VEC != 0
// knobs:
//   THREADS: [128, 256, 512]
//   TPR: [32, 64, 128]
//   VEC: [4, 8]
//   ITEMS: [2, 4, 8, 16]
//   STREAM: [0, 1]
// constraints:
//   - TPR == 32 || THREADS / TPR <= 15
//   - VEC * ITEMS <= 128
// launch:
//   grid: cdiv(rows, THREADS / TPR)
//   threads: THREADS
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
// stored elements (rowgroup_load_packed); columns past the row hold the row's first element: they add 0 to the
// shifted sum.

// Sum of (v - shift); columns past the row hold the shift and add exactly 0.
template <int N>
static __device__ __forceinline__ float items_sum(const Vec<kVec> (&v)[N], float shift) {
  float s = 0.0f;
#pragma unroll
  for (int i = 0; i < N; ++i) {
    float f[kVec];
    unpack_f<kVec>(v[i], f, shift);
#pragma unroll
    for (int e = 0; e < kVec; ++e) s += f[e];
  }
  return s;
}

// Sum of (v - mean)^2 over the columns inside the row.
template <bool ALIGNED, int N>
static __device__ __forceinline__ float dev_squares(const Vec<kVec> (&v)[N], int64_t base, int64_t cols, int t,
                                                    float mean) {
  float ss = 0.0f;
#pragma unroll
  for (int i = 0; i < N; ++i) {
    const int64_t c0 = rowgroup_col<kTpr, kVec>(base, i, t);
    float f[kVec];
    unpack_f<kVec>(v[i], f, mean);
#pragma unroll
    for (int e = 0; e < kVec; ++e) {
      const float d = f[e];
      if (ALIGNED ? c0 < cols : c0 + e < cols) ss += d * d;
    }
  }
  return ss;
}

// Aligned rows that fit: one read, one write. Otherwise (longer rows, or cols % VEC != 0 with its scalar
// accesses) stream through the row, at most 4 items (1 when scalar) per thread and pass sum, squared deviations and write each
// re-read x. The mean is x0 + sum(x - x0)/cols with x0 the row's first element (one more load, cached, the same
// address for the whole group): a constant row sums exact zeros, so its mean is x0 and every deviation exactly 0
// (y = beta), whatever the summation order; a plain sum(x)/cols is off by rounding that 1/sqrt(eps) magnifies.
template <bool ALIGNED>
static __device__ __forceinline__ void ln_row(const T* x, const T* gamma, const T* beta, T* y, int64_t cols, float eps,
                                              int t, float* slots_mean, float* slots_var) {
  if constexpr (ALIGNED) {
    if (cols <= kCap) {
      const T x0 = x[0];
      const float shift = to_f(x0);
      Vec<kVec> v[kItems];
      rowgroup_load_packed<kTpr, kStream, true>(x, 0, cols, t, x0, v);
      const float mean = shift + group_reduce<kTpr, false>(items_sum(v, shift), slots_mean) / (float)cols;
      const float var = group_reduce<kTpr, false>(dev_squares<true>(v, 0, cols, t, mean), slots_var) / (float)cols;
      const float inv = 1.0f / sqrtf(var + eps);
      const auto out = [=](float f, ColAt gc, ColAt bc) { return f * inv * gc + bc; };  // f = x - mean
      rowgroup_store_packed<kTpr, kStream, true>(y, 0, cols, t, v, mean, out, gamma, beta);
      return;
    }
  }
  constexpr int kN = !ALIGNED ? 1 : kItems < 4 ? kItems : 4;  // few items per pass: registers stay free
  constexpr int kStep = kTpr * kVec * kN;
  const T x0 = x[0];
  const float shift = to_f(x0);
  Vec<kVec> v[kN];
  float s = 0.0f;
  for (int64_t base = 0; base < cols; base += kStep) {
    rowgroup_load_packed<kTpr, kStream, ALIGNED>(x, base, cols, t, x0, v);
    s += items_sum(v, shift);
  }
  const float mean = shift + group_reduce<kTpr, false>(s, slots_mean) / (float)cols;
  float ss = 0.0f;
  for (int64_t base = 0; base < cols; base += kStep) {
    rowgroup_load_packed<kTpr, kStream, ALIGNED>(x, base, cols, t, x0, v);
    ss += dev_squares<ALIGNED>(v, base, cols, t, mean);
  }
  const float inv = 1.0f / sqrtf(group_reduce<kTpr, false>(ss, slots_var) / (float)cols + eps);
  const auto out = [=](float f, ColAt gc, ColAt bc) { return f * inv * gc + bc; };  // f = x - mean
  for (int64_t base = 0; base < cols; base += kStep) {
    rowgroup_load_packed<kTpr, kStream, ALIGNED>(x, base, cols, t, x0, v);
    rowgroup_store_packed<kTpr, kStream, ALIGNED>(y, base, cols, t, v, mean, out, gamma, beta);
  }
}

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT x, const T* FOUNDRY_RESTRICT gamma,
                                       const T* FOUNDRY_RESTRICT beta, T* FOUNDRY_RESTRICT y, int64_t rows,
                                       int64_t cols, float eps) {
  __shared__ float slots_mean[kThreads / 32], slots_var[kThreads / 32];
  const int64_t r = (int64_t)blockIdx.x * kGroups + threadIdx.x / kTpr;
  if (r >= rows) return;  // the whole row group leaves; the others sync among themselves
  const int t = threadIdx.x % kTpr;
  // Rows start at r*cols elements: whole-vector accesses need cols % VEC == 0.
  if (cols % kVec == 0)
    ln_row<true>(x + r * cols, gamma, beta, y + r * cols, cols, eps, t, slots_mean, slots_var);
  else
    ln_row<false>(x + r * cols, gamma, beta, y + r * cols, cols, eps, t, slots_mean, slots_var);
}
