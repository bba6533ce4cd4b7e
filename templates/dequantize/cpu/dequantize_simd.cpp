// ---
// id: dequantize_simd
// op: dequantize
// backend: cpu
// summary: "flat BLOCK_ELEMS elements per block walked row segment by row segment (so tiny rows still fill a block); AVX2 groups of 8 (int8 sign-extend, convert, multiply, F16C or integer round-to-nearest-even for bf16), UNROLL groups per step; STREAM=1 writes y with aligned non-temporal stores. Scalar path without AVX2/F16C"
// knobs:
//   BLOCK_ELEMS: [4096, 16384, 65536]
//   UNROLL: [1, 2, 4]
//   STREAM: [0, 1]
//   THREADS: [1, 2, 4]
// launch:
//   grid: cdiv(rows * cols, BLOCK_ELEMS)
//   threads: THREADS
// ---
#if defined(__AVX2__) && defined(__F16C__)
#include <immintrin.h>
#define DQ_SIMD 1
#else
#define DQ_SIMD 0
#endif

// Elements per group and the byte alignment of a group's store.
#define DQ_GROUP 8
#define DQ_ALIGN (DQ_GROUP * sizeof(T))

#if DQ_SIMD
// y[0..8) = q[0..8) * s, rounded exactly like from_f((float)q * s).
FOUNDRY_INLINE void dq_group(T* dst, const int8_t* src, __m256 s) {
  const __m128i q8 = _mm_loadl_epi64((const __m128i*)src);
  const __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q8)), s);
#if defined(FOUNDRY_DTYPE_F32)
  if ({{STREAM}})
    _mm256_stream_ps((float*)dst, v);
  else
    _mm256_storeu_ps((float*)dst, v);
#else
#if defined(FOUNDRY_DTYPE_F16)
  const __m128i h = _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
#else
  // bf16: add 0x7fff plus the kept lsb, keep the high half (finite inputs, as from_f).
  __m256i u = _mm256_castps_si256(v);
  const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
  u = _mm256_srli_epi32(_mm256_add_epi32(u, _mm256_add_epi32(_mm256_set1_epi32(0x7fff), lsb)), 16);
  const __m128i h = _mm_packus_epi32(_mm256_castsi256_si128(u), _mm256_extracti128_si256(u, 1));
#endif
  if ({{STREAM}})
    _mm_stream_si128((__m128i*)dst, h);
  else
    _mm_storeu_si128((__m128i*)dst, h);
#endif
}
#endif

static inline void kernel(int64_t block, int64_t num_blocks, const int8_t* FOUNDRY_RESTRICT q,
                          const float* FOUNDRY_RESTRICT scale, T* FOUNDRY_RESTRICT y, int64_t rows, int64_t cols) {
  (void)num_blocks;
  const int64_t n = rows * cols;
  const int64_t begin = block * {{BLOCK_ELEMS}};
  const int64_t end = begin + {{BLOCK_ELEMS}} < n ? begin + {{BLOCK_ELEMS}} : n;
  int64_t r = begin / cols;
  for (int64_t i = begin; i < end; ++r) {
    const int64_t seg_end = (r + 1) * cols < end ? (r + 1) * cols : end;
    const float s = scale[r];
#if DQ_SIMD
    // Aligned stores need an aligned start: peel scalars up to the boundary.
    if ({{STREAM}})
      for (; i < seg_end && ((uintptr_t)(y + i) % DQ_ALIGN) != 0; ++i) y[i] = from_f((float)q[i] * s);
    const __m256 sv = _mm256_set1_ps(s);
    for (; i + DQ_GROUP * {{UNROLL}} <= seg_end; i += DQ_GROUP * {{UNROLL}})
      for (int u = 0; u < {{UNROLL}}; ++u) dq_group(y + i + DQ_GROUP * u, q + i + DQ_GROUP * u, sv);
    for (; i + DQ_GROUP <= seg_end; i += DQ_GROUP) dq_group(y + i, q + i, sv);
#endif
    for (; i < seg_end; ++i) y[i] = from_f((float)q[i] * s);
  }
#if DQ_SIMD
  if ({{STREAM}}) _mm_sfence();
#endif
}
