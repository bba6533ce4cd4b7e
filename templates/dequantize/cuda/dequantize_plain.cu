// ---
// id: dequantize_plain
// op: dequantize
// backend: cuda
// summary: "one thread per element over the flat rows*cols range: y = q * scale[i / cols] in float, rounded once to T"
// knobs:
//   THREADS: [128, 256, 512]
// launch:
//   grid: cdiv(rows * cols, THREADS)
//   threads: THREADS
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}})

__device__ __forceinline__ void kernel(const int8_t* FOUNDRY_RESTRICT q, const float* FOUNDRY_RESTRICT scale,
                                       T* FOUNDRY_RESTRICT y, int64_t rows, int64_t cols) {
  const int64_t i = (int64_t)blockIdx.x * {{THREADS}} + threadIdx.x;
  if (i >= rows * cols) return;
  y[i] = from_f((float)q[i] * scale[i / cols]);
}
