// ---
// id: geglu_plain
// op: geglu
// backend: cuda
// summary: "one thread per element over the flat rows*cols range, the contract's formulas in float: approximate = 0: 0.5*g*(1 + erff(g/sqrt2)); approximate = 1: 0.5*g*(1 + tanhf(sqrt(2/pi)*(g + 0.044715*g^3))); no fast math, the accurate baseline"
// knobs:
//   THREADS: [128, 256, 512]
// launch:
//   grid: cdiv(rows * cols, THREADS)
//   threads: THREADS
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}})

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT gate, const T* FOUNDRY_RESTRICT up,
                                       T* FOUNDRY_RESTRICT y, int64_t rows, int64_t cols, int64_t approximate) {
  const int64_t n = rows * cols;
  const int64_t i = (int64_t)blockIdx.x * {{THREADS}} + threadIdx.x;
  if (i >= n) return;
  const float g = to_f(gate[i]);
  float gelu;
  if (approximate != 0)
    gelu = 0.5f * g * (1.0f + tanhf(0.7978845608028654f * (g + 0.044715f * g * g * g)));
  else
    gelu = 0.5f * g * (1.0f + erff(g * 0.7071067811865476f));
  y[i] = from_f(gelu * to_f(up[i]));
}
