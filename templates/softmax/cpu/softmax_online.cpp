// ---
// id: softmax_online
// op: softmax
// backend: cpu
// summary: online softmax (running max and rescaled sum in one pass, VEC lanes), then one normalising pass
// knobs:
//   VEC: [4, 8, 16]
//   ROWS_PER_BLOCK: [1, 2, 4]
//   THREADS: [1, 2, 4]
//   FAST_MATH: [0, 1]
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
  const int64_t main = cols - cols % {{VEC}};
  for (int64_t r = r_begin; r < r_end; ++r) {
    const T* xr = x + r * cols;
    T* yr = y + r * cols;
    // Each lane keeps its own running max and a sum scaled to it.
    float lane_max[{{VEC}}], lane_sum[{{VEC}}];
    for (int i = 0; i < {{VEC}}; ++i) {
      lane_max[i] = -INFINITY;
      lane_sum[i] = 0.0f;
    }
    for (int64_t c = 0; c < main; c += {{VEC}})
      for (int i = 0; i < {{VEC}}; ++i) {
        const float v = to_f(xr[c + i]);
        const float nm = fmaxf(lane_max[i], v);
        lane_sum[i] = lane_sum[i] * expf(lane_max[i] - nm) + expf(v - nm);
        lane_max[i] = nm;
      }
    float m = -INFINITY;
    for (int i = 0; i < {{VEC}}; ++i) m = fmaxf(m, lane_max[i]);
    for (int64_t c = main; c < cols; ++c) m = fmaxf(m, to_f(xr[c]));
    float sum = 0.0f;
    for (int i = 0; i < {{VEC}}; ++i)
      if (lane_max[i] != -INFINITY) sum += lane_sum[i] * expf(lane_max[i] - m);
    for (int64_t c = main; c < cols; ++c) sum += expf(to_f(xr[c]) - m);
    const float inv = 1.0f / sum;
    for (int64_t c = 0; c < main; c += {{VEC}})
      for (int i = 0; i < {{VEC}}; ++i) yr[c + i] = from_f(expf(to_f(xr[c + i]) - m) * inv);
    for (int64_t c = main; c < cols; ++c) yr[c] = from_f(expf(to_f(xr[c]) - m) * inv);
  }
}
