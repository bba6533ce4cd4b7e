// ---
// id: dropout_philox4
// op: dropout
// backend: cpu
// summary: "one Philox4x32-10 call feeds four consecutive elements (element i uses word i&3 of counter i>>2); LANES counters (a multiple of 8) run side by side in 8-lane integer vectors (32x32->64 multiplies as vpmuludq), their words transposed back into element order by shuffles, then mask and scale as 8-lane float vectors; blocks start on multiples of 4, the tail takes one scalar Philox per group of four; STREAM=1 writes y with non-temporal stores (no read-for-ownership) when the block's output is 8-element aligned"
// knobs:
//   LANES: [8, 16, 32]
//   BLOCK_ELEMS: [4096, 16384, 65536]
//   STREAM: [0, 1]
//   THREADS: [1, 2, 4]
// constraints:
//   - BLOCK_ELEMS % (4 * LANES) == 0
// launch:
//   grid: cdiv(rows * cols, BLOCK_ELEMS)
//   threads: THREADS
// ---
#if defined(__SSE2__)
#include <immintrin.h>
#endif

// Native 8-lane vectors (one AVX register); UNROLL of them per step.
typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));
typedef uint32_t v8u __attribute__((vector_size(32)));
typedef uint16_t v8h __attribute__((vector_size(16)));
// Unaligned, aliasing views of memory as those vectors.
typedef float v8f_m __attribute__((vector_size(32), aligned(4), may_alias));
typedef uint16_t v8h_m __attribute__((vector_size(16), aligned(2), may_alias));

// Eight consecutive elements of T as float lanes and back: bf16 by integer
// shifts with round-to-nearest-even (as from_f), f16 through F16C.
FOUNDRY_INLINE v8f load8(const T* p) {
#if defined(FOUNDRY_DTYPE_F32)
  return *(const v8f_m*)p;
#elif defined(FOUNDRY_DTYPE_BF16) && defined(__AVX2__)
  return (v8f)_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*)p)), 16);
#elif defined(FOUNDRY_DTYPE_BF16)
  return (v8f)(__builtin_convertvector(*(const v8h_m*)p, v8u) << 16);
#elif defined(__F16C__)
  return (v8f)_mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)p));
#else
  v8f v;
  for (int i = 0; i < 8; ++i) v[i] = to_f(p[i]);
  return v;
#endif
}

#if defined(FOUNDRY_DTYPE_BF16)
FOUNDRY_INLINE v8h to_bf16(v8f v) {
  const v8u u = (v8u)v;
  const v8u nan = (v8u)((v8i)(u & 0x7fffffffu) > 0x7f800000);  // all ones where NaN
  const v8u r = (((u >> 16) | 0x40u) & nan) | (((u + 0x7fffu + ((u >> 16) & 1u)) >> 16) & ~nan);
  return __builtin_convertvector(r, v8h);
}
#endif

FOUNDRY_INLINE void store8(T* p, v8f v) {
#if defined(FOUNDRY_DTYPE_F32)
  *(v8f_m*)p = v;
#elif defined(FOUNDRY_DTYPE_BF16)
  *(v8h_m*)p = to_bf16(v);
#elif defined(__F16C__)
  _mm_storeu_si128((__m128i*)p, _mm256_cvtps_ph((__m256)v, _MM_FROUND_TO_NEAREST_INT));
#else
  for (int i = 0; i < 8; ++i) p[i] = from_f(v[i]);
#endif
}

// Non-temporal store of 8 elements (bypasses the cache, no read-for-ownership);
// p must be aligned to 8 elements. Callers end their block with _mm_sfence().
FOUNDRY_INLINE void store8_nt(T* p, v8f v) {
#if defined(FOUNDRY_DTYPE_F32) && defined(__AVX__)
  _mm256_stream_ps((float*)p, (__m256)v);
#elif defined(FOUNDRY_DTYPE_BF16) && defined(__SSE2__)
  _mm_stream_si128((__m128i*)p, (__m128i)to_bf16(v));
#elif defined(FOUNDRY_DTYPE_F16) && defined(__F16C__)
  _mm_stream_si128((__m128i*)p, _mm256_cvtps_ph((__m256)v, _MM_FROUND_TO_NEAREST_INT));
#else
  store8(p, v);
#endif
}

FOUNDRY_INLINE bool aligned8(const T* p) { return ((uintptr_t)p & (8 * sizeof(T) - 1)) == 0; }

FOUNDRY_INLINE void store_fence() {
#if defined(__SSE2__)
  _mm_sfence();
#endif
}

// lo/hi halves of the 32x32 -> 64 products a[l] * m.
FOUNDRY_INLINE void mulhilo8(v8u a, uint32_t m, v8u* lo, v8u* hi) {
#if defined(__AVX2__)
  const __m256i mm = _mm256_set1_epi32((int)m);
  const __m256i pe = _mm256_mul_epu32((__m256i)a, mm);                         // lanes 0, 2, 4, 6
  const __m256i po = _mm256_mul_epu32(_mm256_srli_epi64((__m256i)a, 32), mm);  // lanes 1, 3, 5, 7
  *lo = (v8u)_mm256_blend_epi32(pe, _mm256_slli_epi64(po, 32), 0xAA);
  *hi = (v8u)_mm256_blend_epi32(_mm256_srli_epi64(pe, 32), po, 0xAA);
#else
  for (int l = 0; l < 8; ++l) {
    const uint64_t p = (uint64_t)a[l] * m;
    (*lo)[l] = (uint32_t)p;
    (*hi)[l] = (uint32_t)(p >> 32);
  }
#endif
}

// Philox4x32-10 of 8 consecutive counters c .. c+7 under one key, as foundry_philox;
// the four words come back in element order: out[j] holds counters c+2j, c+2j+1,
// four words each, i.e. the draws of elements 4c+8j .. 4c+8j+7.
FOUNDRY_INLINE void philox8(uint64_t seed, uint64_t c, v8u out[4]) {
  v8u c0, c1;
  for (int l = 0; l < 8; ++l) {
    c0[l] = (uint32_t)(c + (uint64_t)l);
    c1[l] = (uint32_t)((c + (uint64_t)l) >> 32);
  }
  v8u c2 = {0}, c3 = {0};
  uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
  for (int r = 0; r < 10; ++r) {
    v8u lo0, hi0, lo1, hi1;
    mulhilo8(c0, 0xD2511F53u, &lo0, &hi0);
    mulhilo8(c2, 0xCD9E8D57u, &lo1, &hi1);
    const v8u n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  // 4 x 8 transpose into element order.
  const v8i lo_pairs = {0, 8, 1, 9, 2, 10, 3, 11}, hi_pairs = {4, 12, 5, 13, 6, 14, 7, 15};
  const v8u a = __builtin_shuffle(c0, c1, lo_pairs), b = __builtin_shuffle(c2, c3, lo_pairs);
  const v8u cc = __builtin_shuffle(c0, c1, hi_pairs), d = __builtin_shuffle(c2, c3, hi_pairs);
  const v8i first = {0, 1, 8, 9, 2, 3, 10, 11}, second = {4, 5, 12, 13, 6, 7, 14, 15};
  out[0] = __builtin_shuffle(a, b, first);
  out[1] = __builtin_shuffle(a, b, second);
  out[2] = __builtin_shuffle(cc, d, first);
  out[3] = __builtin_shuffle(cc, d, second);
}

static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT x, T* FOUNDRY_RESTRICT y,
                          int64_t rows, int64_t cols, float p, int64_t seed) {
  (void)num_blocks;
  const int64_t n = rows * cols;
  const int64_t begin = block * {{BLOCK_ELEMS}};  // a multiple of 4
  const int64_t end = begin + {{BLOCK_ELEMS}} < n ? begin + {{BLOCK_ELEMS}} : n;
  const uint64_t key = (uint64_t)seed;
  const uint32_t threshold = foundry_dropout_threshold(p);
  const float scale = 1.0f / (1.0f - p);
  const v8i thr = (v8i){0} + (int32_t)threshold;
  const bool nt = {{STREAM}} && aligned8(y + begin);
  int64_t i = begin;
  for (; i + 4 * {{LANES}} <= end; i += 4 * {{LANES}}) {
    v8u draw[{{LANES}} / 2];
    for (int g = 0; g < {{LANES}}; g += 8) philox8(key, (uint64_t)(i >> 2) + (uint64_t)g, draw + g / 2);
    for (int e = 0; e < {{LANES}} / 2; ++e) {
      const v8i keep = (v8i)(draw[e] >> 8) >= thr;  // the 24-bit draw fits a signed compare
      const v8f v = (v8f)((v8i)(load8(x + i + 8 * e) * scale) & keep);
      if (nt)
        store8_nt(y + i + 8 * e, v);
      else
        store8(y + i + 8 * e, v);
    }
  }
  if (nt) store_fence();
  for (; i < end; i += 4) {
    const foundry_philox4 r = foundry_philox(key, (uint64_t)(i >> 2));
    for (int k = 0; k < 4 && i + k < end; ++k)
      y[i + k] = from_f(foundry_dropout_keep(r.v[k], threshold) ? to_f(x[i + k]) * scale : 0.0f);
  }
}
