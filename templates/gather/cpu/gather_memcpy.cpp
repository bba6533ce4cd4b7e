// ---
// id: gather_memcpy
// op: gather
// backend: cpu
// summary: "memcpy per row, ROWS_PER_BLOCK rows per block, next source rows prefetched PREFETCH rows ahead; STREAM=1 writes the output with aligned non-temporal 32-byte stores (AVX), skipping the read-for-ownership of out"
// knobs:
//   ROWS_PER_BLOCK: [1, 4, 16, 64]
//   PREFETCH: [0, 2, 8]
//   STREAM: [0, 1]
//   THREADS: [1, 2, 4]
// launch:
//   grid: cdiv(n, ROWS_PER_BLOCK)
//   threads: THREADS
// ---
#include <immintrin.h>

static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT table,
                          const int32_t* FOUNDRY_RESTRICT idx, T* FOUNDRY_RESTRICT out, int64_t vocab, int64_t n,
                          int64_t cols) {
  (void)num_blocks;
  (void)vocab;
  const int64_t i_begin = block * {{ROWS_PER_BLOCK}};
  const int64_t i_end = i_begin + {{ROWS_PER_BLOCK}} < n ? i_begin + {{ROWS_PER_BLOCK}} : n;
  const int64_t row_bytes = cols * (int64_t)sizeof(T);
  for (int64_t i = i_begin; i < i_end; ++i) {
    if ({{PREFETCH}} > 0 && i + {{PREFETCH}} < n) {
      // The first lines of a random row are the ones the hardware prefetcher misses.
      const char* p = (const char*)(table + (int64_t)idx[i + {{PREFETCH}}] * cols);
      for (int64_t o = 0; o < row_bytes && o < 256; o += 64) __builtin_prefetch(p + o, 0, 0);
    }
    copy_row(out + i * cols, table + (int64_t)idx[i] * cols, cols, {{STREAM}});
  }
#if defined(__AVX__)
  if ({{STREAM}}) store_fence();
#endif
}
