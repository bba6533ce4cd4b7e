// ---
// id: dropout_flat
// op: dropout
// backend: cpu
// summary: plain flat loop over BLOCK_ELEMS elements per block, one foundry_philox_u32 call per element (each Philox block computed four times)
// knobs:
//   BLOCK_ELEMS: [1024, 4096, 16384, 65536]
//   THREADS: [1, 2, 4]
// launch:
//   grid: cdiv(rows * cols, BLOCK_ELEMS)
//   threads: THREADS
// ---
static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT x, T* FOUNDRY_RESTRICT y,
                          int64_t rows, int64_t cols, float p, int64_t seed) {
  (void)num_blocks;
  const int64_t n = rows * cols;
  const int64_t begin = block * {{BLOCK_ELEMS}};
  const int64_t end = begin + {{BLOCK_ELEMS}} < n ? begin + {{BLOCK_ELEMS}} : n;
  const uint32_t threshold = foundry_dropout_threshold(p);
  const float scale = 1.0f / (1.0f - p);
  for (int64_t i = begin; i < end; ++i) {
    const int keep = foundry_dropout_keep(foundry_philox_u32((uint64_t)seed, (uint64_t)i), threshold);
    y[i] = from_f(keep ? to_f(x[i]) * scale : 0.0f);
  }
}
