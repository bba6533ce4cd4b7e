// ---
// id: scatter_memcpy
// op: scatter
// backend: cpu
// summary: "memcpy per row, ROWS_PER_BLOCK rows per block; STREAM=1 writes dst rows with aligned non-temporal 32-byte stores (AVX), so the scattered rows are never read for ownership"
// knobs:
//   ROWS_PER_BLOCK: [1, 4, 16, 64]
//   STREAM: [0, 1]
//   THREADS: [1, 2, 4]
// launch:
//   grid: cdiv(n, ROWS_PER_BLOCK)
//   threads: THREADS
// ---
#include <immintrin.h>

static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT src,
                          const int32_t* FOUNDRY_RESTRICT idx, T* FOUNDRY_RESTRICT dst, int64_t vocab, int64_t n,
                          int64_t cols) {
  (void)num_blocks;
  (void)vocab;
  const int64_t i_begin = block * {{ROWS_PER_BLOCK}};
  const int64_t i_end = i_begin + {{ROWS_PER_BLOCK}} < n ? i_begin + {{ROWS_PER_BLOCK}} : n;
  for (int64_t i = i_begin; i < i_end; ++i) copy_row(dst + (int64_t)idx[i] * cols, src + i * cols, cols, {{STREAM}});
#if defined(__AVX__)
  if ({{STREAM}}) store_fence();
#endif
}
