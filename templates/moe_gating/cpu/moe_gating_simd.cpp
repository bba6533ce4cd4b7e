// ---
// id: moe_gating_simd
// op: moe_gating
// backend: cpu
// summary: two passes per token - top-k by insertion with a VEC-lane threshold prefilter (its first pick is the row max), then VEC-lane sum of exp; POLY_EXP uses a branch-free vectorisable exp for x <= 0 (Cephes polynomial), else expf (vectorised only under FAST_MATH)
// knobs:
//   VEC: [4, 8, 16]
//   ROWS_PER_BLOCK: [1, 4, 16, 64]
//   POLY_EXP: [0, 1]
//   THREADS: [1, 2, 4]
//   FAST_MATH: [0, 1]
// launch:
//   grid: cdiv(tokens, ROWS_PER_BLOCK)
//   threads: THREADS
// flags_if:
//   FAST_MATH: [-ffast-math]
// ---
typedef float vfloat __attribute__((vector_size({{VEC}} * sizeof(float))));
typedef int32_t vint __attribute__((vector_size({{VEC}} * sizeof(int32_t))));

FOUNDRY_INLINE vfloat load_v(const T* p) {
  vfloat v;
  for (int i = 0; i < {{VEC}}; ++i) v[i] = to_f(p[i]);
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

    // Pass 1: top-k. The first topk experts fill the list; later ones enter
    // only when strictly above the current k-th value (a later equal one
    // loses the tie on id), checked VEC lanes at a time.
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
    const float m = lv[0];

    // Pass 2: the softmax denominator.
    vfloat acc = {0};
    const vfloat vm = acc + m;
    e = 0;
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
