// ---
// id: scatter_plain
// op: scatter
// backend: cuda
// summary: one thread per source element (grid-stride loop) written to its dst row, scalar loads and stores; dst rows not in idx are never touched; correct for every shape
// knobs:
//   THREADS: [128, 256, 512]
// launch:
//   grid: cdiv(n * cols, THREADS)
//   threads: THREADS
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}})

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT src, const int32_t* FOUNDRY_RESTRICT idx,
                                       T* FOUNDRY_RESTRICT dst, int64_t vocab, int64_t n, int64_t cols) {
  (void)vocab;
  const int64_t total = n * cols;
  const int64_t stride = (int64_t)gridDim.x * {{THREADS}};
  for (int64_t e = (int64_t)blockIdx.x * {{THREADS}} + threadIdx.x; e < total; e += stride) {
    const int64_t i = e / cols, c = e - i * cols;
    dst[(int64_t)idx[i] * cols + c] = src[e];
  }
}
