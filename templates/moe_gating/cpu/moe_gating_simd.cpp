// ---
// id: moe_gating_simd
// op: moe_gating
// backend: cpu
// summary: two passes per token - top-k (its first pick is the row max) by SELECT 0 insertion behind a VEC-lane threshold prefilter, or SELECT 1 a branch-free VEC-lane compare-and-swap network (topk <= 8; larger topk falls back to insertion), then VEC-lane sum of exp; POLY_EXP uses a branch-free vectorisable exp for x <= 0 (Cephes polynomial), else expf (vectorised only under FAST_MATH, where glibc's vector expf takes a slow path on the very negative arguments of large-magnitude rows); VEC stops at 8 because GCC lowers 64-byte vectors lane by lane on AVX2
// knobs:
//   VEC: [4, 8]
//   ROWS_PER_BLOCK: [1, 4, 16, 64]
//   POLY_EXP: [0, 1]
//   SELECT: [0, 1]
//   THREADS: [1, 2, 4]
//   FAST_MATH: [0, 1]
// launch:
//   grid: cdiv(tokens, ROWS_PER_BLOCK)
//   threads: THREADS
// flags_if:
//   FAST_MATH: [-ffast-math]
// ---
#include <immintrin.h>

typedef float vfloat __attribute__((vector_size({{VEC}} * sizeof(float))));
typedef int32_t vint __attribute__((vector_size({{VEC}} * sizeof(int32_t))));

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

// exp(x) for x <= 0: clamp at -87 (exp(-87) ~ 1.6e-38 stands for anything
// smaller), x = n ln2 + r with |r| <= ln2/2, Cephes degree-7 polynomial, times
// 2^n built from the exponent bits. No infinities or NaNs anywhere.
#define EXP_NEG_BODY(F, I, CVT_I, CVT_F)                                        \
  x = x < -87.0f ? x - x - 87.0f : x;                                           \
  const I n = -CVT_I(0.5f - x * 1.44269504088896341f);                          \
  const F nf = CVT_F(n);                                                         \
  const F r = x - nf * 0.693359375f + nf * 2.12194440e-4f;                      \
  F p = 1.9875691500e-4f * r + 1.3981999507e-3f;                                \
  p = p * r + 8.3334519073e-3f;                                                 \
  p = p * r + 4.1665795894e-2f;                                                 \
  p = p * r + 1.6666665459e-1f;                                                 \
  p = p * r + 5.0000001201e-1f;                                                 \
  p = p * (r * r) + r + 1.0f;                                                   \
  const I bits = (n + 127) << 23;                                               \
  F scale;                                                                       \
  memcpy(&scale, &bits, sizeof(scale));                                          \
  return p * scale;

FOUNDRY_INLINE vint cvt_vi(vfloat v) { return __builtin_convertvector(v, vint); }
FOUNDRY_INLINE vfloat cvt_vf(vint v) { return __builtin_convertvector(v, vfloat); }
FOUNDRY_INLINE int32_t cvt_si(float v) { return (int32_t)v; }
FOUNDRY_INLINE float cvt_sf(int32_t v) { return (float)v; }
FOUNDRY_INLINE vfloat exp_neg_v(vfloat x) { EXP_NEG_BODY(vfloat, vint, cvt_vi, cvt_vf) }
FOUNDRY_INLINE float exp_neg_s(float x) { EXP_NEG_BODY(float, int32_t, cvt_si, cvt_sf) }

FOUNDRY_INLINE vfloat exp_v(vfloat x) {
#if {{POLY_EXP}}
  return exp_neg_v(x);
#else
  vfloat r;
  for (int i = 0; i < {{VEC}}; ++i) r[i] = expf(x[i]);
  return r;
#endif
}

FOUNDRY_INLINE float exp_s(float x) {
#if {{POLY_EXP}}
  return exp_neg_s(x);
#else
  return expf(x);
#endif
}

// Insert (v, e) into the list sorted by (value desc, id asc) holding cnt
// entries (capacity k); e is larger than every id listed, so it goes after equals.
FOUNDRY_INLINE void insert_pick(float* lv, int32_t* li, int64_t cnt, int64_t k, float v, int32_t e) {
  int64_t pos = cnt < k ? cnt : k - 1;
  while (pos > 0 && lv[pos - 1] < v) {
    lv[pos] = lv[pos - 1];
    li[pos] = li[pos - 1];
    --pos;
  }
  lv[pos] = v;
  li[pos] = e;
}

// Threshold selection: the first topk experts fill the list; later ones enter
// only when strictly above the current k-th value (a later equal one loses the
// tie on id), checked VEC lanes at a time.
FOUNDRY_INLINE void select_threshold(const T* lr, int64_t experts, int64_t topk, float* lv, int32_t* li) {
  for (int64_t e = 0; e < topk; ++e) insert_pick(lv, li, e, topk, to_f(lr[e]), (int32_t)e);
  float thr = lv[topk - 1];
  int64_t e = topk;
  for (; e + {{VEC}} <= experts; e += {{VEC}}) {
    const vfloat v = load_v(lr + e);
    const vint hit = v > thr;
    int any = 0;
    for (int i = 0; i < {{VEC}}; ++i) any |= hit[i];
    if (!any) continue;
    for (int i = 0; i < {{VEC}}; ++i)
      if (v[i] > thr) {
        insert_pick(lv, li, topk, topk, v[i], (int32_t)(e + i));
        thr = lv[topk - 1];
      }
  }
  for (; e < experts; ++e) {
    const float v = to_f(lr[e]);
    if (v > thr) {
      insert_pick(lv, li, topk, topk, v, (int32_t)e);
      thr = lv[topk - 1];
    }
  }
}

// Branch-free selection network for K picks: lane i keeps the top K of the
// experts i, i+VEC, ... in (value desc, id asc) order, every vector of logits
// sinking through the K levels by compare-and-swap; then K rounds take the
// best lane head (lowest id among equal values) and shift that lane up.
// Padding lanes carry (-FLT_MAX, INT32_MAX) and lose to every expert.
template <int K>
FOUNDRY_INLINE void sink(vfloat* tv, vint* ti, vfloat v, vint vi) {
#pragma GCC unroll 8
  for (int j = 0; j < K; ++j) {
    const vint m = (v > tv[j]) | ((v == tv[j]) & (vi < ti[j]));
    const vfloat nv = m ? tv[j] : v;
    const vint ni = m ? ti[j] : vi;
    tv[j] = m ? v : tv[j];
    ti[j] = m ? vi : ti[j];
    v = nv;
    vi = ni;
  }
}

template <int K>
FOUNDRY_INLINE void select_net(const T* lr, int64_t experts, float* lv, int32_t* li) {
  const float lowest = -3.402823466e38f;
  vfloat tv[K];
  vint ti[K];
  vint lane;
  for (int i = 0; i < {{VEC}}; ++i) lane[i] = i;
  for (int j = 0; j < K; ++j) {
    tv[j] = (vfloat){0} + lowest;
    ti[j] = (vint){0} + INT32_MAX;
  }
  int64_t e = 0;
  for (; e + {{VEC}} <= experts; e += {{VEC}}) sink<K>(tv, ti, load_v(lr + e), lane + (int32_t)e);
  if (e < experts) {
    vfloat v;
    vint vi;
    for (int i = 0; i < {{VEC}}; ++i) {
      v[i] = e + i < experts ? to_f(lr[e + i]) : lowest;
      vi[i] = e + i < experts ? (int32_t)(e + i) : INT32_MAX;
    }
    sink<K>(tv, ti, v, vi);
  }
#pragma GCC unroll 8
  for (int j = 0; j < K; ++j) {
    float best = tv[0][0];
    for (int i = 1; i < {{VEC}}; ++i) best = tv[0][i] > best ? tv[0][i] : best;
    int32_t id = INT32_MAX;
    for (int i = 0; i < {{VEC}}; ++i) id = tv[0][i] == best && ti[0][i] < id ? ti[0][i] : id;
    lv[j] = best;
    li[j] = id;
    const vint m = ti[0] == id;
#pragma GCC unroll 8
    for (int l = 0; l + 1 < K; ++l) {
      tv[l] = m ? tv[l + 1] : tv[l];
      ti[l] = m ? ti[l + 1] : ti[l];
    }
    tv[K - 1] = m ? (vfloat){0} + lowest : tv[K - 1];
    ti[K - 1] = m ? (vint){0} + INT32_MAX : ti[K - 1];
  }
}

static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT logits,
                          float* FOUNDRY_RESTRICT weights, int32_t* FOUNDRY_RESTRICT expert_ids, int64_t tokens,
                          int64_t experts, int64_t topk, int64_t renormalize) {
  (void)num_blocks;
  const int64_t t_begin = block * {{ROWS_PER_BLOCK}};
  const int64_t t_end = t_begin + {{ROWS_PER_BLOCK}} < tokens ? t_begin + {{ROWS_PER_BLOCK}} : tokens;
  for (int64_t t = t_begin; t < t_end; ++t) {
    const T* lr = logits + t * experts;
    float* lv = weights + t * topk;  // holds the picked logits until the weights replace them
    int32_t* li = expert_ids + t * topk;

    // Pass 1: top-k; its first pick is the row max.
#if {{SELECT}}
    switch (topk) {
      case 1: select_net<1>(lr, experts, lv, li); break;
      case 2: select_net<2>(lr, experts, lv, li); break;
      case 3: select_net<3>(lr, experts, lv, li); break;
      case 4: select_net<4>(lr, experts, lv, li); break;
      case 5: select_net<5>(lr, experts, lv, li); break;
      case 6: select_net<6>(lr, experts, lv, li); break;
      case 7: select_net<7>(lr, experts, lv, li); break;
      case 8: select_net<8>(lr, experts, lv, li); break;
      default: select_threshold(lr, experts, topk, lv, li); break;
    }
#else
    select_threshold(lr, experts, topk, lv, li);
#endif
    const float m = lv[0];

    // Pass 2: the softmax denominator.
    vfloat acc = {0};
    const vfloat vm = acc + m;
    int64_t e = 0;
    for (; e + {{VEC}} <= experts; e += {{VEC}}) acc += exp_v(load_v(lr + e) - vm);
    float sum = 0.0f;
    for (int i = 0; i < {{VEC}}; ++i) sum += acc[i];
    for (; e < experts; ++e) sum += exp_s(to_f(lr[e]) - m);

    float chosen = 0.0f;
    for (int64_t j = 0; j < topk; ++j) {
      lv[j] = exp_s(lv[j] - m);
      chosen += lv[j];
    }
    const float inv = 1.0f / (renormalize != 0 ? chosen : sum);
    for (int64_t j = 0; j < topk; ++j) lv[j] *= inv;
  }
}
