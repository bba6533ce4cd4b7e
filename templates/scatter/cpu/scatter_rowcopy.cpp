// ---
// id: scatter_rowcopy
// op: scatter
// backend: cpu
// summary: plain element loop writing ROWS_PER_BLOCK source rows per block into their dst rows
// knobs:
//   ROWS_PER_BLOCK: [1, 2, 4, 8]
//   THREADS: [1, 2, 4]
// launch:
//   grid: cdiv(n, ROWS_PER_BLOCK)
//   threads: THREADS
// ---
static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT src,
                          const int32_t* FOUNDRY_RESTRICT idx, T* FOUNDRY_RESTRICT dst, int64_t vocab, int64_t n,
                          int64_t cols) {
  (void)num_blocks;
  (void)vocab;
  const int64_t i_begin = block * {{ROWS_PER_BLOCK}};
  const int64_t i_end = i_begin + {{ROWS_PER_BLOCK}} < n ? i_begin + {{ROWS_PER_BLOCK}} : n;
  for (int64_t i = i_begin; i < i_end; ++i) {
    const T* s = src + i * cols;
    T* d = dst + (int64_t)idx[i] * cols;
    for (int64_t c = 0; c < cols; ++c) d[c] = s[c];
  }
}
