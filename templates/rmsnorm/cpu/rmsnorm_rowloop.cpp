// ---
// id: rmsnorm_rowloop
// op: rmsnorm
// backend: cpu
// summary: plain row loop; UNROLL independent partial sums, ROWS_PER_BLOCK rows per block
// knobs:
//   ROWS_PER_BLOCK: [1, 2, 4, 8]
//   UNROLL: [1, 2, 4, 8]
//   THREADS: [1, 2, 4]
//   FAST_MATH: [0, 1]
// launch:
//   grid: cdiv(rows, ROWS_PER_BLOCK)
//   threads: THREADS
// flags_if:
//   FAST_MATH: [-ffast-math]
// ---
static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT x,
                          const T* FOUNDRY_RESTRICT w, T* FOUNDRY_RESTRICT y, int64_t rows, int64_t cols,
                          float eps) {
  (void)num_blocks;
  const int64_t r_begin = block * {{ROWS_PER_BLOCK}};
  const int64_t r_end = r_begin + {{ROWS_PER_BLOCK}} < rows ? r_begin + {{ROWS_PER_BLOCK}} : rows;
  for (int64_t r = r_begin; r < r_end; ++r) {
    const T* xr = x + r * cols;
    T* yr = y + r * cols;
    float acc[{{UNROLL}}] = {0};
    int64_t c = 0;
    for (; c + {{UNROLL}} <= cols; c += {{UNROLL}})
      for (int u = 0; u < {{UNROLL}}; ++u) {
        const float v = to_f(xr[c + u]);
        acc[u] += v * v;
      }
    for (; c < cols; ++c) {
      const float v = to_f(xr[c]);
      acc[0] += v * v;
    }
    float ss = 0.0f;
    for (int u = 0; u < {{UNROLL}}; ++u) ss += acc[u];
    const float inv = 1.0f / sqrtf(ss / (float)cols + eps);
    for (c = 0; c < cols; ++c) yr[c] = from_f(to_f(xr[c]) * inv * to_f(w[c]));
  }
}
