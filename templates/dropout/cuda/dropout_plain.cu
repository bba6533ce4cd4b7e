// ---
// id: dropout_plain
// op: dropout
// backend: cuda
// summary: "one thread per element over the flat rows*cols range, exactly the reference: keep = foundry_dropout_keep(foundry_philox_u32(seed, i), foundry_dropout_threshold(p)), y = keep ? x * (1/(1-p)) : 0 (each Philox block is computed by the four threads that share it)"
// knobs:
//   THREADS: [128, 256, 512]
// launch:
//   grid: cdiv(rows * cols, THREADS)
//   threads: THREADS
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}})

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT x, T* FOUNDRY_RESTRICT y, int64_t rows, int64_t cols,
                                       float p, int64_t seed) {
  const int64_t n = rows * cols;
  const int64_t i = (int64_t)blockIdx.x * {{THREADS}} + threadIdx.x;
  if (i >= n) return;
  const uint32_t threshold = foundry_dropout_threshold(p);
  const float scale = 1.0f / (1.0f - p);
  const int keep = foundry_dropout_keep(foundry_philox_u32((uint64_t)seed, (uint64_t)i), threshold);
  y[i] = from_f(keep ? to_f(x[i]) * scale : 0.0f);
}
