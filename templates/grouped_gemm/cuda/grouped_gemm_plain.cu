// ---
// id: grouped_gemm_plain
// op: grouped_gemm
// backend: cuda
// summary: one thread per output element (consecutive threads along n); the row's expert by binary search over expert_offsets, then a k loop; rows in no group are written 0; any shape
// knobs:
//   THREADS: [64, 128, 256, 512]
// launch:
//   grid: cdiv(total_rows * n_dim, THREADS)
//   threads: THREADS
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}})

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT x, const T* FOUNDRY_RESTRICT w,
                                       const int32_t* FOUNDRY_RESTRICT expert_offsets, T* FOUNDRY_RESTRICT y,
                                       int64_t total_rows, int64_t experts, int64_t k_dim, int64_t n_dim) {
  const int64_t total = total_rows * n_dim;
  for (int64_t idx = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; idx < total; idx += (int64_t)gridDim.x * blockDim.x) {
    const int64_t i = idx / n_dim, n = idx % n_dim;
    // First p with expert_offsets[p] > i; the row's expert is p - 1.
    int64_t lo = 0, hi = experts + 1;
    while (lo < hi) {
      const int64_t mid = (lo + hi) / 2;
      if ((int64_t)expert_offsets[mid] <= i) lo = mid + 1; else hi = mid;
    }
    const int64_t e = lo - 1;
    float acc = 0.0f;
    if (e >= 0 && e < experts) {
      const T* xr = x + i * k_dim;
      const T* wc = w + e * k_dim * n_dim + n;
      for (int64_t k = 0; k < k_dim; ++k) acc += to_f(xr[k]) * to_f(wc[k * n_dim]);
    }
    y[idx] = from_f(acc);
  }
}
