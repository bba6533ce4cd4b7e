// ---
// id: gather_rowcopy
// op: gather
// backend: cpu
// summary: plain element loop copying ROWS_PER_BLOCK gathered rows per block
// knobs:
//   ROWS_PER_BLOCK: [1, 2, 4, 8]
//   THREADS: [1, 2, 4]
// launch:
//   grid: cdiv(n, ROWS_PER_BLOCK)
//   threads: THREADS
// ---
static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT table,
                          const int32_t* FOUNDRY_RESTRICT idx, T* FOUNDRY_RESTRICT out, int64_t vocab, int64_t n,
                          int64_t cols) {
  (void)num_blocks;
  (void)vocab;
  const int64_t i_begin = block * {{ROWS_PER_BLOCK}};
  const int64_t i_end = i_begin + {{ROWS_PER_BLOCK}} < n ? i_begin + {{ROWS_PER_BLOCK}} : n;
  for (int64_t i = i_begin; i < i_end; ++i) {
    const T* src = table + (int64_t)idx[i] * cols;
    T* dst = out + i * cols;
    for (int64_t c = 0; c < cols; ++c) dst[c] = src[c];
  }
}
