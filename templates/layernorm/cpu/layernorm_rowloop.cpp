// ---
// id: layernorm_rowloop
// op: layernorm
// backend: cpu
// summary: plain two-pass row loop (exact mean first, then squared deviations, as the reference) with UNROLL partial sums, ROWS_PER_BLOCK rows per block
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
                          const T* FOUNDRY_RESTRICT gamma, const T* FOUNDRY_RESTRICT beta, T* FOUNDRY_RESTRICT y,
                          int64_t rows, int64_t cols, float eps) {
  (void)num_blocks;
  const int64_t r_begin = block * {{ROWS_PER_BLOCK}};
  const int64_t r_end = r_begin + {{ROWS_PER_BLOCK}} < rows ? r_begin + {{ROWS_PER_BLOCK}} : rows;
  for (int64_t r = r_begin; r < r_end; ++r) {
    const T* xr = x + r * cols;
    T* yr = y + r * cols;
    float acc[{{UNROLL}}] = {0};
    int64_t c = 0;
    for (; c + {{UNROLL}} <= cols; c += {{UNROLL}})
      for (int u = 0; u < {{UNROLL}}; ++u) acc[u] += to_f(xr[c + u]);
    for (; c < cols; ++c) acc[0] += to_f(xr[c]);
    float sum = 0.0f;
    for (int u = 0; u < {{UNROLL}}; ++u) sum += acc[u];
    const float mean = sum / (float)cols;

    float sq[{{UNROLL}}] = {0};
    for (c = 0; c + {{UNROLL}} <= cols; c += {{UNROLL}})
      for (int u = 0; u < {{UNROLL}}; ++u) {
        const float d = to_f(xr[c + u]) - mean;
        sq[u] += d * d;
      }
    for (; c < cols; ++c) {
      const float d = to_f(xr[c]) - mean;
      sq[0] += d * d;
    }
    float ss = 0.0f;
    for (int u = 0; u < {{UNROLL}}; ++u) ss += sq[u];
    const float inv = 1.0f / sqrtf(ss / (float)cols + eps);
    for (c = 0; c < cols; ++c) yr[c] = from_f((to_f(xr[c]) - mean) * inv * to_f(gamma[c]) + to_f(beta[c]));
  }
}
