// ---
// id: layernorm_vec
// op: layernorm
// backend: cuda
// summary: ROWS rows per block with THREADS/ROWS threads per row (a block, warp or half-warp each), VEC-element loads, row held in registers (ITEMS vectors per thread) for the exact two-pass mean/variance and the write when cols <= THREADS/ROWS*VEC*ITEMS (one read of x, one write of y), else streaming re-reads; scalar path when cols % VEC != 0
// knobs:
//   THREADS: [128, 256, 512, 1024]
//   ROWS: [1, 2, 4, 8]
//   VEC: [4, 8]
//   ITEMS: [1, 2, 4, 8]
// constraints:
//   - THREADS * VEC * ITEMS <= 16384
// launch:
//   grid: cdiv(rows, ROWS)
//   threads: THREADS
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}}, 1)

constexpr int kThreads = {{THREADS}};
constexpr int kRows = {{ROWS}};
constexpr int kTpr = kThreads / kRows;  // threads per row: a power of two, 16..1024
constexpr int kVec = {{VEC}};
constexpr int kItems = {{ITEMS}};
constexpr int kCap = kTpr * kVec * kItems;  // elements of a row held in registers

// Item i of thread t covers columns base + (i*kTpr + t)*kVec .. +kVec (rowgroup_col); rowgroup_load
// reads columns past the row (or rows past the end) as 0.

template <bool ALIGNED>
static __device__ __forceinline__ void ln_rows(const T* x, const T* gamma, const T* beta, T* y, int64_t rows,
                                               int64_t cols, float eps, float* red) {
  const int g = threadIdx.x / kTpr, t = threadIdx.x % kTpr;
  // The trip count is the same for every thread of the block.
  for (int64_t r0 = (int64_t)blockIdx.x * kRows; r0 < rows; r0 += (int64_t)gridDim.x * kRows) {
    const int64_t r = r0 + g;
    const bool active = r < rows;
    const T* xr = x + (active ? r : 0) * cols;
    T* yr = y + (active ? r : 0) * cols;
    float v[kItems][kVec];
    // The mean relative to the row's first element (columns past the row read
    // as it and add exactly 0): a constant row's mean is exact, so y is beta
    // (sum/cols is a few ulps off, and 1/sqrt(eps) magnifies that past f32's tolerance).
    const float x0 = active ? to_f(xr[0]) : 0.0f;
    if (cols <= kCap) {  // whole row in registers: one read, one write
      rowgroup_load<kTpr, kVec, kItems, ALIGNED>(xr, 0, cols, t, active, v, x0);
      const float mean = x0 + rowgroup_reduce<kTpr, false>(items_shifted_sum(v, x0), red) / (float)cols;
      const float var =
          rowgroup_reduce<kTpr, false>(items_dev_squares<kTpr, ALIGNED>(v, 0, cols, t, mean), red) / (float)cols;
      const float inv = 1.0f / sqrtf(var + eps);
      const auto out = [=](float f, ColAt gc, ColAt bc) { return (f - mean) * inv * gc + bc; };  // gc, bc: gamma, beta
      rowgroup_store<kTpr, ALIGNED>(yr, 0, cols, t, active, v, out, gamma, beta);
    } else {  // row too long for the registers: sum, squared deviations, write, each re-reading x
      float s = 0.0f;
      for (int64_t base = 0; base < cols; base += kCap) {
        rowgroup_load<kTpr, kVec, kItems, ALIGNED>(xr, base, cols, t, active, v, x0);
        s = items_shifted_sum(v, x0, s);
      }
      const float mean = x0 + rowgroup_reduce<kTpr, false>(s, red) / (float)cols;
      float ss = 0.0f;
      for (int64_t base = 0; base < cols; base += kCap) {
        rowgroup_load<kTpr, kVec, kItems, ALIGNED>(xr, base, cols, t, active, v, 0.0f);
        ss += items_dev_squares<kTpr, ALIGNED>(v, base, cols, t, mean);
      }
      const float inv = 1.0f / sqrtf(rowgroup_reduce<kTpr, false>(ss, red) / (float)cols + eps);
      const auto out = [=](float f, ColAt gc, ColAt bc) { return (f - mean) * inv * gc + bc; };  // gc, bc: gamma, beta
      for (int64_t base = 0; base < cols; base += kCap) {
        rowgroup_load<kTpr, kVec, kItems, ALIGNED>(xr, base, cols, t, active, v, 0.0f);
        rowgroup_store<kTpr, ALIGNED>(yr, base, cols, t, active, v, out, gamma, beta);
      }
    }
  }
}

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT x, const T* FOUNDRY_RESTRICT gamma,
                                       const T* FOUNDRY_RESTRICT beta, T* FOUNDRY_RESTRICT y, int64_t rows,
                                       int64_t cols, float eps) {
  __shared__ float red[kThreads / 32];
  // Rows start at r*cols elements: whole-vector accesses need cols % VEC == 0.
  if (cols % kVec == 0)
    ln_rows<true>(x, gamma, beta, y, rows, cols, eps, red);
  else
    ln_rows<false>(x, gamma, beta, y, rows, cols, eps, red);
}
