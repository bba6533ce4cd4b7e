// ---
// id: layernorm_simd
// op: layernorm
// backend: cpu
// summary: "two-pass layernorm (exact mean, then squared deviations) in 8-lane GCC vector types with ACC independent accumulators, bf16/f16 converted in-register (shifts / F16C); the row stays hot in L1/L2 across its three sweeps, so DRAM sees one read of x and one write of y; STREAM=1 writes y rows with non-temporal stores (no read-for-ownership) from the first 8-element aligned column on"
// knobs:
//   ACC: [1, 2, 4, 8]
//   ROWS_PER_BLOCK: [1, 2, 4]
//   STREAM: [0, 1]
//   THREADS: [1, 2, 4]
//   FAST_MATH: [0, 1]
// launch:
//   grid: cdiv(rows, ROWS_PER_BLOCK)
//   threads: THREADS
// flags_if:
//   FAST_MATH: [-ffast-math]
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

FOUNDRY_INLINE float hsum8(v8f v) {
  float s = 0.0f;
  for (int i = 0; i < 8; ++i) s += v[i];
  return s;
}

static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT x,
                          const T* FOUNDRY_RESTRICT gamma, const T* FOUNDRY_RESTRICT beta, T* FOUNDRY_RESTRICT y,
                          int64_t rows, int64_t cols, float eps) {
  (void)num_blocks;
  const int64_t r_begin = block * {{ROWS_PER_BLOCK}};
  const int64_t r_end = r_begin + {{ROWS_PER_BLOCK}} < rows ? r_begin + {{ROWS_PER_BLOCK}} : rows;
  const int64_t step = 8 * {{ACC}};
  const int64_t main_acc = cols - cols % step;  // covered by all ACC accumulators
  const int64_t main8 = cols - cols % 8;        // then whole vectors into acc[0]
  for (int64_t r = r_begin; r < r_end; ++r) {
    const T* xr = x + r * cols;
    T* yr = y + r * cols;

    // Sweep 1: the sum, for the exact mean.
    v8f acc[{{ACC}}];
    for (int a = 0; a < {{ACC}}; ++a) acc[a] = (v8f){0};
    int64_t c = 0;
    for (; c < main_acc; c += step)
      for (int a = 0; a < {{ACC}}; ++a) acc[a] += load8(xr + c + 8 * a);
    for (; c < main8; c += 8) acc[0] += load8(xr + c);
    for (int a = 1; a < {{ACC}}; ++a) acc[0] += acc[a];
    float sum = hsum8(acc[0]);
    for (; c < cols; ++c) sum += to_f(xr[c]);
    const float mean = sum / (float)cols;

    // Sweep 2: squared deviations from the mean (no cancellation).
    for (int a = 0; a < {{ACC}}; ++a) acc[a] = (v8f){0};
    for (c = 0; c < main_acc; c += step)
      for (int a = 0; a < {{ACC}}; ++a) {
        const v8f d = load8(xr + c + 8 * a) - mean;
        acc[a] += d * d;
      }
    for (; c < main8; c += 8) {
      const v8f d = load8(xr + c) - mean;
      acc[0] += d * d;
    }
    for (int a = 1; a < {{ACC}}; ++a) acc[0] += acc[a];
    float ss = hsum8(acc[0]);
    for (; c < cols; ++c) {
      const float d = to_f(xr[c]) - mean;
      ss += d * d;
    }
    const float inv = 1.0f / sqrtf(ss / (float)cols + eps);

    // Sweep 3: normalise, scale, shift. With STREAM, scalar up to the first
    // aligned column, then non-temporal vectors.
    c = 0;
    if ({{STREAM}}) {
      int64_t head = (int64_t)(((8 * sizeof(T)) - ((uintptr_t)yr & (8 * sizeof(T) - 1))) & (8 * sizeof(T) - 1)) /
                     (int64_t)sizeof(T);
      if (head > cols) head = cols;
      for (; c < head; ++c) yr[c] = from_f((to_f(xr[c]) - mean) * inv * to_f(gamma[c]) + to_f(beta[c]));
      for (; c + 8 <= cols; c += 8)
        store8_nt(yr + c, (load8(xr + c) - mean) * inv * load8(gamma + c) + load8(beta + c));
    } else {
      for (; c + 8 <= cols; c += 8)
        store8(yr + c, (load8(xr + c) - mean) * inv * load8(gamma + c) + load8(beta + c));
    }
    for (; c < cols; ++c) yr[c] = from_f((to_f(xr[c]) - mean) * inv * to_f(gamma[c]) + to_f(beta[c]));
  }
  if ({{STREAM}}) store_fence();
}
