// ---
// id: rmsnorm_plain
// op: rmsnorm
// backend: cuda
// summary: one block per row, scalar strided loads, block_sum reduction, second pass re-reads the row; any shape
// knobs:
//   THREADS: [32, 64, 128, 256, 512, 1024]
// launch:
//   grid: rows
//   threads: THREADS
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}}, 1)

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT x, const T* FOUNDRY_RESTRICT w,
                                       T* FOUNDRY_RESTRICT y, int64_t rows, int64_t cols, float eps) {
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* xr = x + r * cols;
    T* yr = y + r * cols;
    float ss = 0.0f;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
      const float v = to_f(xr[c]);
      ss += v * v;
    }
    ss = block_sum(ss);
    const float inv = 1.0f / sqrtf(ss / (float)cols + eps);
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) yr[c] = from_f(to_f(xr[c]) * inv * to_f(w[c]));
  }
}
