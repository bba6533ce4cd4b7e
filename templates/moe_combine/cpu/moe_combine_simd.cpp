// ---
// id: moe_combine_simd
// op: moe_combine
// backend: cpu
// summary: UNROLL VEC-lane float accumulators per column chunk with the topk expert rows streamed through them; blocks are TOKENS_PER_BLOCK tokens times one of COL_SPLIT column ranges; STREAM writes the output with non-temporal 16-byte stores (aligned head and the tail by plain stores), which pays off only once the output outgrows the caches (prefill), and costs on small outputs; VEC stops at 8 because GCC lowers 64-byte vectors lane by lane on AVX2
// knobs:
//   VEC: [4, 8]
//   UNROLL: [1, 2, 4, 8]
//   TOKENS_PER_BLOCK: [1, 4, 16]
//   COL_SPLIT: [1, 2, 4]
//   STREAM: [0, 1]
//   THREADS: [1, 2, 4]
// launch:
//   grid: cdiv(tokens, TOKENS_PER_BLOCK) * COL_SPLIT
//   threads: THREADS
// ---
#include <immintrin.h>

#define CHUNK ({{VEC}} * {{UNROLL}})
typedef float vfloat __attribute__((vector_size({{VEC}} * sizeof(float))));

// VEC elements as float lanes: one vector load, then a vector conversion.
FOUNDRY_INLINE vfloat load_v(const T* p) {
  vfloat v;
#if defined(FOUNDRY_DTYPE_F32)
  memcpy(&v, p, sizeof(v));
#elif defined(FOUNDRY_DTYPE_F16) && defined(__F16C__)
  // F16C converts 8 (or 4) halves at once; GCC's own vector conversion goes lane by lane.
  for (int i = 0; i < {{VEC}}; i += ({{VEC}} % 8 == 0 ? 8 : 4)) {
    if ({{VEC}} % 8 == 0) {
      const __m256 f = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(p + i)));
      memcpy((char*)&v + i * sizeof(float), &f, sizeof(f));
    } else {
      const __m128 f = _mm_cvtph_ps(_mm_loadl_epi64((const __m128i*)(p + i)));
      memcpy((char*)&v + i * sizeof(float), &f, sizeof(f));
    }
  }
#elif defined(FOUNDRY_DTYPE_F16)
  for (int i = 0; i < {{VEC}}; ++i) v[i] = to_f(p[i]);
#else
  typedef uint16_t vu16 __attribute__((vector_size({{VEC}} * sizeof(uint16_t))));
  typedef uint32_t vu32 __attribute__((vector_size({{VEC}} * sizeof(uint32_t))));
  vu16 h;
  memcpy(&h, p, sizeof(h));
  const vu32 u = __builtin_convertvector(h, vu32) << 16;
  memcpy(&v, &u, sizeof(v));
#endif
  return v;
}

// VEC float lanes stored as T, rounding like from_f (nearest-even for bf16).
FOUNDRY_INLINE void store_v(T* p, vfloat v) {
#if defined(FOUNDRY_DTYPE_F32)
  memcpy(p, &v, sizeof(v));
#elif defined(FOUNDRY_DTYPE_F16) && defined(__F16C__)
  for (int i = 0; i < {{VEC}}; i += ({{VEC}} % 8 == 0 ? 8 : 4)) {
    if ({{VEC}} % 8 == 0) {
      __m256 f;
      memcpy(&f, (const char*)&v + i * sizeof(float), sizeof(f));
      _mm_storeu_si128((__m128i*)(p + i), _mm256_cvtps_ph(f, _MM_FROUND_TO_NEAREST_INT));
    } else {
      __m128 f;
      memcpy(&f, (const char*)&v + i * sizeof(float), sizeof(f));
      _mm_storel_epi64((__m128i*)(p + i), _mm_cvtps_ph(f, _MM_FROUND_TO_NEAREST_INT));
    }
  }
#elif defined(FOUNDRY_DTYPE_F16)
  for (int i = 0; i < {{VEC}}; ++i) p[i] = from_f(v[i]);
#else
  typedef uint16_t vu16 __attribute__((vector_size({{VEC}} * sizeof(uint16_t))));
  typedef uint32_t vu32 __attribute__((vector_size({{VEC}} * sizeof(uint32_t))));
  vu32 u;
  memcpy(&u, &v, sizeof(u));
  const vu32 nan = (u & 0x7fffffffu) > 0x7f800000u;
  const vu32 r = nan ? ((u >> 16) | 0x40u) : ((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
  const vu16 h = __builtin_convertvector(r, vu16);
  memcpy(p, &h, sizeof(h));
#endif
}

static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT y_sorted,
                          const int32_t* FOUNDRY_RESTRICT slot_to_row, const float* FOUNDRY_RESTRICT weights,
                          T* FOUNDRY_RESTRICT out, int64_t tokens, int64_t hidden, int64_t topk) {
  (void)num_blocks;
  const int64_t tb = block / {{COL_SPLIT}}, cb = block % {{COL_SPLIT}};
  const int64_t per = ((hidden + {{COL_SPLIT}} - 1) / {{COL_SPLIT}} + 31) & ~(int64_t)31;
  const int64_t c0 = cb * per < hidden ? cb * per : hidden;
  const int64_t c1 = c0 + per < hidden ? c0 + per : hidden;
  if (c0 >= c1) return;
  const int64_t t_begin = tb * {{TOKENS_PER_BLOCK}};
  const int64_t t_end = t_begin + {{TOKENS_PER_BLOCK}} < tokens ? t_begin + {{TOKENS_PER_BLOCK}} : tokens;
  for (int64_t t = t_begin; t < t_end; ++t) {
    const int32_t* rows = slot_to_row + t * topk;
    const float* w = weights + t * topk;
    T* o = out + t * hidden;
    int64_t c = c0;
#if {{STREAM}}
    // Plain stores up to the first 16-byte aligned output column.
    int64_t head = (int64_t)(((16 - ((uintptr_t)(o + c) & 15)) & 15) / sizeof(T));
    for (const int64_t h_end = c + head < c1 ? c + head : c1; c < h_end; ++c) {
      float acc = 0.0f;
      for (int64_t j = 0; j < topk; ++j) acc += w[j] * to_f(y_sorted[(int64_t)rows[j] * hidden + c]);
      o[c] = from_f(acc);
    }
#endif
    for (; c + CHUNK <= c1; c += CHUNK) {
      vfloat acc[{{UNROLL}}];
      for (int u = 0; u < {{UNROLL}}; ++u) acc[u] = (vfloat){0};
      for (int64_t j = 0; j < topk; ++j) {
        const T* src = y_sorted + (int64_t)rows[j] * hidden + c;
        const float wj = w[j];
        for (int u = 0; u < {{UNROLL}}; ++u) acc[u] += wj * load_v(src + u * {{VEC}});
      }
#if {{STREAM}}
      T tmp[CHUNK] __attribute__((aligned(64)));
      for (int u = 0; u < {{UNROLL}}; ++u) store_v(tmp + u * {{VEC}}, acc[u]);
      for (int b = 0; b < (int)(CHUNK * sizeof(T)); b += 16)
        _mm_stream_si128((__m128i*)((char*)(o + c) + b), _mm_load_si128((const __m128i*)((const char*)tmp + b)));
#else
      for (int u = 0; u < {{UNROLL}}; ++u) store_v(o + c + u * {{VEC}}, acc[u]);
#endif
    }
    for (; c < c1; ++c) {
      float acc = 0.0f;
      for (int64_t j = 0; j < topk; ++j) acc += w[j] * to_f(y_sorted[(int64_t)rows[j] * hidden + c]);
      o[c] = from_f(acc);
    }
  }
#if {{STREAM}}
  _mm_sfence();
#endif
}
