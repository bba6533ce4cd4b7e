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

// Copies `count` elements; with STREAM the 32-byte aligned middle goes out as
// non-temporal stores, head and tail through memcpy.
FOUNDRY_INLINE void copy_row(T* FOUNDRY_RESTRICT dst, const T* FOUNDRY_RESTRICT src, int64_t count) {
  size_t bytes = (size_t)count * sizeof(T);
#if defined(__AVX__)
  if ({{STREAM}}) {
    char* d = (char*)dst;
    const char* s = (const char*)src;
    size_t head = (size_t)(-(uintptr_t)d) & 31u;
    if (head > bytes) head = bytes;
    memcpy(d, s, head);
    d += head;
    s += head;
    bytes -= head;
    for (; bytes >= 64; bytes -= 64, d += 64, s += 64) {
      const __m256i a = _mm256_loadu_si256((const __m256i*)s);
      const __m256i b = _mm256_loadu_si256((const __m256i*)(s + 32));
      _mm256_stream_si256((__m256i*)d, a);
      _mm256_stream_si256((__m256i*)(d + 32), b);
    }
    if (bytes >= 32) {
      _mm256_stream_si256((__m256i*)d, _mm256_loadu_si256((const __m256i*)s));
      bytes -= 32;
      d += 32;
      s += 32;
    }
    memcpy(d, s, bytes);
    return;
  }
#endif
  memcpy(dst, src, bytes);
}

static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT src,
                          const int32_t* FOUNDRY_RESTRICT idx, T* FOUNDRY_RESTRICT dst, int64_t vocab, int64_t n,
                          int64_t cols) {
  (void)num_blocks;
  (void)vocab;
  const int64_t i_begin = block * {{ROWS_PER_BLOCK}};
  const int64_t i_end = i_begin + {{ROWS_PER_BLOCK}} < n ? i_begin + {{ROWS_PER_BLOCK}} : n;
  for (int64_t i = i_begin; i < i_end; ++i) copy_row(dst + (int64_t)idx[i] * cols, src + i * cols, cols);
#if defined(__AVX__)
  if ({{STREAM}}) _mm_sfence();
#endif
}
