// ---
// id: gather_plain
// op: gather
// backend: cuda
// summary: one thread per output element (grid-stride loop), scalar loads and stores; correct for every shape
// knobs:
//   THREADS: [128, 256, 512]
// launch:
//   grid: cdiv(n * cols, THREADS)
//   threads: THREADS
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}})

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT table, const int32_t* FOUNDRY_RESTRICT idx,
                                       T* FOUNDRY_RESTRICT out, int64_t vocab, int64_t n, int64_t cols) {
  (void)vocab;
  const int64_t total = n * cols;
  const int64_t stride = (int64_t)gridDim.x * {{THREADS}};
  for (int64_t e = (int64_t)blockIdx.x * {{THREADS}} + threadIdx.x; e < total; e += stride) {
    const int64_t i = e / cols, c = e - i * cols;
    out[e] = table[(int64_t)idx[i] * cols + c];
  }
}
