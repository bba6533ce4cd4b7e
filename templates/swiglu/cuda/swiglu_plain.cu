// ---
// id: swiglu_plain
// op: swiglu
// backend: cuda
// summary: "one thread per element over the flat rows*cols range, y = g / (1 + expf(-g)) * up in float exactly as the contract writes it (expf(-g) overflowing to inf for large negative g gives -0, the right limit); no fast math, so this is the accurate baseline"
// knobs:
//   THREADS: [128, 256, 512]
// launch:
//   grid: cdiv(rows * cols, THREADS)
//   threads: THREADS
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}})

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT gate, const T* FOUNDRY_RESTRICT up,
                                       T* FOUNDRY_RESTRICT y, int64_t rows, int64_t cols) {
  const int64_t n = rows * cols;
  const int64_t i = (int64_t)blockIdx.x * {{THREADS}} + threadIdx.x;
  if (i >= n) return;
  const float g = to_f(gate[i]);
  y[i] = from_f(g / (1.0f + expf(-g)) * to_f(up[i]));
}
