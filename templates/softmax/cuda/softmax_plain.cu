// ---
// id: softmax_plain
// op: softmax
// backend: cuda
// summary: one block per row, scalar strided loads; row max and sum of exp through block_max/block_sum, third pass writes; any shape
// knobs:
//   THREADS: [32, 64, 128, 256, 512, 1024]
//   FAST_MATH: [0, 1]
// launch:
//   grid: rows
//   threads: THREADS
// flags_if:
//   FAST_MATH: [--use_fast_math]
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}}, 1)

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT x, T* FOUNDRY_RESTRICT y, int64_t rows, int64_t cols) {
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* xr = x + r * cols;
    T* yr = y + r * cols;
    float m = -INFINITY;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) m = fmaxf(m, to_f(xr[c]));
    m = block_max(m);
    float s = 0.0f;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) s += expf(to_f(xr[c]) - m);
    const float inv = 1.0f / block_sum(s);
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) yr[c] = from_f(expf(to_f(xr[c]) - m) * inv);
  }
}
