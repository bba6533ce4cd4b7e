// ---
// id: topk_plain
// op: topk
// backend: cuda
// summary: one thread per row; k selection sweeps over the row, each taking the best element ranked below the previous pick (value descending, then lower index); any shape
// knobs:
//   THREADS: [32, 64, 128, 256]
// launch:
//   grid: cdiv(rows, THREADS)
//   threads: THREADS
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}})

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT x, T* FOUNDRY_RESTRICT values,
                                       int32_t* FOUNDRY_RESTRICT indices, int64_t rows, int64_t cols, int64_t k) {
  for (int64_t r = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; r < rows; r += (int64_t)gridDim.x * blockDim.x) {
    const T* xr = x + r * cols;
    // (tv, tc): the previous pick; the next one ranks strictly below it.
    float tv = 0.0f;
    int64_t tc = -1;
    for (int64_t j = 0; j < k; ++j) {
      float bv = -INFINITY;
      int64_t bc = -1;
      for (int64_t c = 0; c < cols; ++c) {
        const float v = to_f(xr[c]);
        const bool below = tc < 0 || v < tv || (v == tv && c > tc);
        // Scanning upwards, a tie keeps the lower index; bc < 0 takes even -inf.
        if (below && (bc < 0 || v > bv)) {
          bv = v;
          bc = c;
        }
      }
      values[r * k + j] = from_f(bv);
      indices[r * k + j] = (int32_t)bc;
      tv = bv;
      tc = bc;
    }
  }
}
