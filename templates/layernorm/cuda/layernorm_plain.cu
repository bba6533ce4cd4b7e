// ---
// id: layernorm_plain
// op: layernorm
// backend: cuda
// summary: one block per row, scalar strided loads, exact two-pass mean and variance through block_sum, third pass writes; any shape
// knobs:
//   THREADS: [32, 64, 128, 256, 512, 1024]
// launch:
//   grid: rows
//   threads: THREADS
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}}, 1)

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT x, const T* FOUNDRY_RESTRICT gamma,
                                       const T* FOUNDRY_RESTRICT beta, T* FOUNDRY_RESTRICT y, int64_t rows,
                                       int64_t cols, float eps) {
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* xr = x + r * cols;
    T* yr = y + r * cols;
    // The mean relative to the row's first element: a constant row sums to
    // exactly 0, so its mean is exact and y is beta (sum/cols is a few ulps
    // off, and 1/sqrt(eps) magnifies that past f32's tolerance).
    const float x0 = to_f(xr[0]);
    float s = 0.0f;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) s += to_f(xr[c]) - x0;
    const float mean = x0 + block_sum(s) / (float)cols;
    float ss = 0.0f;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
      const float d = to_f(xr[c]) - mean;
      ss += d * d;
    }
    const float inv = 1.0f / sqrtf(block_sum(ss) / (float)cols + eps);
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x)
      yr[c] = from_f((to_f(xr[c]) - mean) * inv * to_f(gamma[c]) + to_f(beta[c]));
  }
}
