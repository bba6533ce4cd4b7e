// CPU kernel prelude, prepended to every rendered CPU kernel after the Philox
// header and one FOUNDRY_DTYPE_* define. It gives templates:
//   T                     storage type of the candidate dtype
//   to_f(T) / from_f(f)   load as float / store from float (round-to-nearest-even)
//   FOUNDRY_RESTRICT      restrict qualifier for pointer parameters
//   copy_row(dst, src, count, stream)   row copy, optionally with streaming stores
//   v8f, load8/store8/store8_nt, aligned8, store_fence
//                         eight-lane float vectors (one AVX register) over T
// A template defines
//   static inline void kernel(int64_t block, int64_t num_blocks, <ABI params>)
// which runs one block; the runtime spreads blocks over threads.
#include <math.h>
#include <stdint.h>
#include <string.h>

#define FOUNDRY_RESTRICT __restrict__
#define FOUNDRY_INLINE static inline __attribute__((always_inline))

#if defined(FOUNDRY_DTYPE_F32)
typedef float T;
FOUNDRY_INLINE float to_f(T v) { return v; }
FOUNDRY_INLINE T from_f(float f) { return f; }
#elif defined(FOUNDRY_DTYPE_F16)
typedef _Float16 T;
FOUNDRY_INLINE float to_f(T v) { return (float)v; }
FOUNDRY_INLINE T from_f(float f) { return (T)f; }
#elif defined(FOUNDRY_DTYPE_BF16)
typedef struct { uint16_t bits; } T;
FOUNDRY_INLINE float to_f(T v) {
  uint32_t u = (uint32_t)v.bits << 16;
  float f;
  memcpy(&f, &u, 4);
  return f;
}
FOUNDRY_INLINE T from_f(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  T r;
  if ((u & 0x7fffffffu) > 0x7f800000u) {
    r.bits = (uint16_t)((u >> 16) | 0x40);
  } else {
    u += 0x7fffu + ((u >> 16) & 1u);
    r.bits = (uint16_t)(u >> 16);
  }
  return r;
}
#else
#error "rendered kernel lacks a FOUNDRY_DTYPE_* define"
#endif

// ---- eight-lane vector helpers shared by the vectorised templates ----
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

// Copies `count` elements of T; with `stream` the 32-byte aligned middle goes
// out as non-temporal stores (no read-for-ownership), head and tail through
// memcpy. Callers that stream end their block with store_fence().
FOUNDRY_INLINE void copy_row(T* FOUNDRY_RESTRICT dst, const T* FOUNDRY_RESTRICT src, int64_t count, int stream) {
  size_t bytes = (size_t)count * sizeof(T);
#if defined(__AVX__)
  if (stream) {
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
