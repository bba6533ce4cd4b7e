// ---
// id: grouped_gemm_naive
// op: grouped_gemm
// backend: cpu
// summary: plain row loop - each row finds its expert, then i-k-j loops into a float accumulator of COL_CHUNK columns (the inner loop over n vectorises); ROWS_PER_BLOCK rows per block
// knobs:
//   ROWS_PER_BLOCK: [1, 4, 16]
//   COL_CHUNK: [64, 256, 1024]
//   THREADS: [1, 2, 4]
// launch:
//   grid: cdiv(total_rows, ROWS_PER_BLOCK)
//   threads: THREADS
// ---
static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT x,
                          const T* FOUNDRY_RESTRICT w, const int32_t* FOUNDRY_RESTRICT expert_offsets,
                          T* FOUNDRY_RESTRICT y, int64_t total_rows, int64_t experts, int64_t k_dim, int64_t n_dim) {
  (void)num_blocks;
  const int64_t r_begin = block * {{ROWS_PER_BLOCK}};
  const int64_t r_end = r_begin + {{ROWS_PER_BLOCK}} < total_rows ? r_begin + {{ROWS_PER_BLOCK}} : total_rows;
  int64_t e = 0;
  for (int64_t i = r_begin; i < r_end; ++i) {
    while (e < experts && expert_offsets[e + 1] <= i) ++e;
    const T* xr = x + i * k_dim;
    const T* we = w + e * k_dim * n_dim;
    for (int64_t n0 = 0; n0 < n_dim; n0 += {{COL_CHUNK}}) {
      const int64_t nc = n0 + {{COL_CHUNK}} < n_dim ? {{COL_CHUNK}} : n_dim - n0;
      float acc[{{COL_CHUNK}}];
      for (int64_t n = 0; n < nc; ++n) acc[n] = 0.0f;
      for (int64_t k = 0; k < k_dim; ++k) {
        const float a = to_f(xr[k]);
        const T* wk = we + k * n_dim + n0;
        for (int64_t n = 0; n < nc; ++n) acc[n] += a * to_f(wk[n]);
      }
      for (int64_t n = 0; n < nc; ++n) y[i * n_dim + n0 + n] = from_f(acc[n]);
    }
  }
}
