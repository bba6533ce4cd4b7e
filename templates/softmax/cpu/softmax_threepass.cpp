// ---
// id: softmax_threepass
// op: softmax
// backend: cpu
// summary: "plain three passes per row (max, sum of exp, normalise) with UNROLL partial results. STORE_EXP=1 keeps exp(x - max) in y between the passes, one exp per element instead of two"
// knobs:
//   ROWS_PER_BLOCK: [1, 2, 4, 8]
//   UNROLL: [1, 2, 4, 8]
//   THREADS: [1, 2, 4]
//   FAST_MATH: [0, 1]
//   STORE_EXP: [0, 1]
// launch:
//   grid: cdiv(rows, ROWS_PER_BLOCK)
//   threads: THREADS
// flags_if:
//   FAST_MATH: [-ffast-math]
// ---
static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT x, T* FOUNDRY_RESTRICT y,
                          int64_t rows, int64_t cols) {
  (void)num_blocks;
  const int64_t r_begin = block * {{ROWS_PER_BLOCK}};
  const int64_t r_end = r_begin + {{ROWS_PER_BLOCK}} < rows ? r_begin + {{ROWS_PER_BLOCK}} : rows;
  for (int64_t r = r_begin; r < r_end; ++r) {
    const T* xr = x + r * cols;
    T* yr = y + r * cols;
    float mx[{{UNROLL}}];
    for (int u = 0; u < {{UNROLL}}; ++u) mx[u] = -INFINITY;
    int64_t c = 0;
    for (; c + {{UNROLL}} <= cols; c += {{UNROLL}})
      for (int u = 0; u < {{UNROLL}}; ++u) mx[u] = fmaxf(mx[u], to_f(xr[c + u]));
    for (; c < cols; ++c) mx[0] = fmaxf(mx[0], to_f(xr[c]));
    float m = mx[0];
    for (int u = 1; u < {{UNROLL}}; ++u) m = fmaxf(m, mx[u]);

    float acc[{{UNROLL}}] = {0};
    for (c = 0; c + {{UNROLL}} <= cols; c += {{UNROLL}})
      for (int u = 0; u < {{UNROLL}}; ++u) {
        const float e = expf(to_f(xr[c + u]) - m);
        if ({{STORE_EXP}}) yr[c + u] = from_f(e);
        acc[u] += e;
      }
    for (; c < cols; ++c) {
      const float e = expf(to_f(xr[c]) - m);
      if ({{STORE_EXP}}) yr[c] = from_f(e);
      acc[0] += e;
    }
    float sum = 0.0f;
    for (int u = 0; u < {{UNROLL}}; ++u) sum += acc[u];

    const float inv = 1.0f / sum;
    if ({{STORE_EXP}})
      for (c = 0; c < cols; ++c) yr[c] = from_f(to_f(yr[c]) * inv);
    else
      for (c = 0; c < cols; ++c) yr[c] = from_f(expf(to_f(xr[c]) - m) * inv);
  }
}
