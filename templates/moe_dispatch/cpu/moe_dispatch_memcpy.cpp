// ---
// id: moe_dispatch_memcpy
// op: moe_dispatch
// backend: cpu
// summary: row copies with memcpy, or with STREAM non-temporal 32-byte stores (no read-for-ownership of the destination; head and tail by memcpy - pays off once the output outgrows the caches, costs on small outputs); blocks are ROWS_PER_BLOCK rows times one of COL_SPLIT column ranges, so few-row decode shapes still spread over threads
// knobs:
//   ROWS_PER_BLOCK: [1, 4, 16, 64]
//   COL_SPLIT: [1, 2, 4]
//   STREAM: [0, 1]
//   THREADS: [1, 2, 4]
// launch:
//   grid: cdiv(tokens * topk, ROWS_PER_BLOCK) * COL_SPLIT
//   threads: THREADS
// ---
#include <immintrin.h>

FOUNDRY_INLINE void copy_bytes(char* FOUNDRY_RESTRICT dst, const char* FOUNDRY_RESTRICT src, int64_t bytes) {
#if {{STREAM}} && defined(__AVX__)
  int64_t head = (int64_t)((32 - ((uintptr_t)dst & 31)) & 31);
  if (head > bytes) head = bytes;
  memcpy(dst, src, (size_t)head);
  dst += head;
  src += head;
  bytes -= head;
  int64_t i = 0;
  for (; i + 128 <= bytes; i += 128) {
    const __m256i a = _mm256_loadu_si256((const __m256i*)(src + i));
    const __m256i b = _mm256_loadu_si256((const __m256i*)(src + i + 32));
    const __m256i c = _mm256_loadu_si256((const __m256i*)(src + i + 64));
    const __m256i d = _mm256_loadu_si256((const __m256i*)(src + i + 96));
    _mm256_stream_si256((__m256i*)(dst + i), a);
    _mm256_stream_si256((__m256i*)(dst + i + 32), b);
    _mm256_stream_si256((__m256i*)(dst + i + 64), c);
    _mm256_stream_si256((__m256i*)(dst + i + 96), d);
  }
  for (; i + 32 <= bytes; i += 32)
    _mm256_stream_si256((__m256i*)(dst + i), _mm256_loadu_si256((const __m256i*)(src + i)));
  memcpy(dst + i, src + i, (size_t)(bytes - i));
#else
  memcpy(dst, src, (size_t)bytes);
#endif
}

static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT x,
                          const int32_t* FOUNDRY_RESTRICT sorted_slots, T* FOUNDRY_RESTRICT x_sorted,
                          int64_t tokens, int64_t hidden, int64_t topk) {
  (void)num_blocks;
  const int64_t rows = tokens * topk;
  const int64_t rb = block / {{COL_SPLIT}}, cb = block % {{COL_SPLIT}};
  // Column range of this block, in whole 64-byte lines where the split allows.
  const int64_t per = ((hidden + {{COL_SPLIT}} - 1) / {{COL_SPLIT}} + 31) & ~(int64_t)31;
  const int64_t c0 = cb * per < hidden ? cb * per : hidden;
  const int64_t c1 = c0 + per < hidden ? c0 + per : hidden;
  if (c0 >= c1) return;
  const int64_t r_begin = rb * {{ROWS_PER_BLOCK}};
  const int64_t r_end = r_begin + {{ROWS_PER_BLOCK}} < rows ? r_begin + {{ROWS_PER_BLOCK}} : rows;
  for (int64_t i = r_begin; i < r_end; ++i) {
    const T* src = x + (int64_t)(sorted_slots[i] / topk) * hidden + c0;
    copy_bytes((char*)(x_sorted + i * hidden + c0), (const char*)src, (c1 - c0) * (int64_t)sizeof(T));
  }
#if {{STREAM}} && defined(__AVX__)
  _mm_sfence();
#endif
}
