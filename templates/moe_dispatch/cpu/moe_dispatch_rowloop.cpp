// ---
// id: moe_dispatch_rowloop
// op: moe_dispatch
// backend: cpu
// summary: plain element loop per destination row, ROWS_PER_BLOCK rows per block
// knobs:
//   ROWS_PER_BLOCK: [1, 4, 16, 64]
//   THREADS: [1, 2, 4]
// launch:
//   grid: cdiv(tokens * topk, ROWS_PER_BLOCK)
//   threads: THREADS
// ---
static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT x,
                          const int32_t* FOUNDRY_RESTRICT sorted_slots, T* FOUNDRY_RESTRICT x_sorted,
                          int64_t tokens, int64_t hidden, int64_t topk) {
  (void)num_blocks;
  const int64_t rows = tokens * topk;
  const int64_t r_begin = block * {{ROWS_PER_BLOCK}};
  const int64_t r_end = r_begin + {{ROWS_PER_BLOCK}} < rows ? r_begin + {{ROWS_PER_BLOCK}} : rows;
  for (int64_t i = r_begin; i < r_end; ++i) {
    const T* src = x + (int64_t)(sorted_slots[i] / topk) * hidden;
    T* dst = x_sorted + i * hidden;
    for (int64_t c = 0; c < hidden; ++c) dst[c] = src[c];
  }
}
