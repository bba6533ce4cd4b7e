// ---
// id: topk_select
// op: topk
// backend: cpu
// summary: "plain partial selection sort: k passes over the row, pass j takes the largest element ordered after pick j-1 (value descending, ties to the lower index); no scratch, O(k*cols)"
// knobs:
//   ROWS_PER_BLOCK: [1, 2, 4, 8]
//   THREADS: [1, 2, 4]
// launch:
//   grid: cdiv(rows, ROWS_PER_BLOCK)
//   threads: THREADS
// ---
static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT x, T* FOUNDRY_RESTRICT values,
                          int32_t* FOUNDRY_RESTRICT indices, int64_t rows, int64_t cols, int64_t k) {
  (void)num_blocks;
  const int64_t r_begin = block * {{ROWS_PER_BLOCK}};
  const int64_t r_end = r_begin + {{ROWS_PER_BLOCK}} < rows ? r_begin + {{ROWS_PER_BLOCK}} : rows;
  const int64_t kk = k < cols ? k : cols;
  for (int64_t r = r_begin; r < r_end; ++r) {
    const T* xr = x + r * cols;
    T* vr = values + r * k;
    int32_t* ir = indices + r * k;
    float prev_v = 0.0f;
    int64_t prev_i = -1;
    for (int64_t j = 0; j < kk; ++j) {
      int64_t best = -1;
      float best_v = 0.0f;
      for (int64_t c = 0; c < cols; ++c) {
        const float v = to_f(xr[c]);
        // Only elements strictly after the previous pick in (value desc, index asc) order.
        if (prev_i >= 0 && !(v < prev_v || (v == prev_v && c > prev_i))) continue;
        if (best < 0 || v > best_v) {
          best = c;
          best_v = v;
        }
      }
      vr[j] = xr[best];
      ir[j] = (int32_t)best;
      prev_v = best_v;
      prev_i = best;
    }
  }
}
