// ---
// id: rope_table
// op: rope
// backend: cpu
// summary: "a block is TOKENS_PER_BLOCK tokens x HEADS_PER_BLOCK heads; it builds the inverse frequencies once (double ratio recurrence from one pow, split into an 11-bit hi float and a lo float), then per token a cos/sin table in 8-lane vectors (exact pos * hi-part product, Cody-Waite reduction by pi/2, float polynomials on [-pi/4, pi/4], no libm; angle error <1e-6 rad) that every head of the block reuses; rotation in 8-lane GCC vectors, UNROLL vectors per step, scalar tail for half-widths that are not multiples of 8; half-widths past 256 are done in chunks; STREAM=1 writes y with non-temporal stores (no read-for-ownership) where both halves of a head row are 8-element aligned"
// knobs:
//   TOKENS_PER_BLOCK: [1, 2, 4, 8]
//   HEADS_PER_BLOCK: [4, 8, 32]
//   UNROLL: [1, 2]
//   STREAM: [0, 1]
//   THREADS: [1, 2, 4]
//   FAST_MATH: [0, 1]
// launch:
//   grid: cdiv(tokens, TOKENS_PER_BLOCK) * cdiv(heads, HEADS_PER_BLOCK)
//   threads: THREADS
// flags_if:
//   FAST_MATH: [-ffast-math]
// ---

#define ROPE_CHUNK 256  // pairs per table, a multiple of 8

// a - b * c with one rounding; an explicit FMA is never re-associated by fast math,
// which would otherwise fold a Cody-Waite reduction back into one lossy step.
FOUNDRY_INLINE v8f fnmadd8(v8f b, float c, v8f a) {
#if defined(__FMA__)
  return (v8f)_mm256_fnmadd_ps((__m256)b, _mm256_set1_ps(c), (__m256)a);
#else
  return a - b * c;
#endif
}

// sin and cos of pos * (hi + lo) for 8 pairs. hi keeps 11 significant bits, so
// pos * hi (pos < 2^13) is exact in float; lo carries the rest (|pos * lo| < 4).
// k = round(angle * 2/pi); r = angle - k*pi/2 by Cody-Waite with Cephes'
// three-part constant (k * C1 exact, and pos*hi - k*C1 exact where the two are
// close), so r is good to ~5e-7 rad at any angle below 8192; then Cephes'
// sinf/cosf polynomials on |r| <= ~pi/4 and the quadrant from k.
FOUNDRY_INLINE void sincos8(v8f pos, v8f hi, v8f lo, v8f* sn, v8f* cs) {
  const v8f a = pos * hi, a_lo = pos * lo;
  const v8i k = __builtin_convertvector((a + a_lo) * 0.63661977236758134f + 0.5f, v8i);  // round, angle >= 0
  const v8f kf = __builtin_convertvector(k, v8f);
  v8f r = fnmadd8(kf, 1.5703125f, a);
  r = fnmadd8(kf, 4.837512969970703125e-4f, r);
  r = fnmadd8(kf, 7.54978995489188216e-8f, r);
  r = r + a_lo;
  const v8f z = r * r;
  const v8f s = ((-1.9515295891e-4f * z + 8.3321608736e-3f) * z - 1.6666654611e-1f) * z * r + r;
  const v8f c = ((2.443315711809948e-5f * z - 1.388731625493765e-3f) * z + 4.166664568298827e-2f) * z * z -
                0.5f * z + 1.0f;
  const v8i swap = (k & 1) != 0;
  const v8f s1 = swap ? c : s, c1 = swap ? s : c;
  *sn = (v8f)((v8i)s1 ^ ((k & 2) << 30));
  *cs = (v8f)((v8i)c1 ^ (((k + 1) & 2) << 30));
}

template <int NT>
FOUNDRY_INLINE void put8(T* p, v8f v) {
  if (NT)
    store8_nt(p, v);
  else
    store8(p, v);
}

// Rotates the whole 8-lane part of one head row chunk; *pi returns where the scalar tail starts.
template <int NT>
FOUNDRY_INLINE void rotate(const T* FOUNDRY_RESTRICT xl, const T* FOUNDRY_RESTRICT xh, T* FOUNDRY_RESTRICT yl,
                           T* FOUNDRY_RESTRICT yh, const float* cs, const float* sn, int64_t n, int64_t* pi) {
  int64_t i = 0;
  for (; i + 8 * {{UNROLL}} <= n; i += 8 * {{UNROLL}})
    for (int u = 0; u < {{UNROLL}}; ++u) {
      const int64_t j = i + 8 * u;
      const v8f lo = load8(xl + j), hi = load8(xh + j);
      const v8f c = *(const v8f_m*)(cs + j), s = *(const v8f_m*)(sn + j);
      put8<NT>(yl + j, lo * c - hi * s);
      put8<NT>(yh + j, hi * c + lo * s);
    }
  for (; i + 8 <= n; i += 8) {
    const v8f lo = load8(xl + i), hi = load8(xh + i);
    const v8f c = *(const v8f_m*)(cs + i), s = *(const v8f_m*)(sn + i);
    put8<NT>(yl + i, lo * c - hi * s);
    put8<NT>(yh + i, hi * c + lo * s);
  }
  *pi = i;
}

static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT x,
                          const int32_t* FOUNDRY_RESTRICT positions, T* FOUNDRY_RESTRICT y, int64_t tokens,
                          int64_t heads, int64_t head_dim, float theta) {
  (void)num_blocks;
  const int64_t head_blocks = (heads + {{HEADS_PER_BLOCK}} - 1) / {{HEADS_PER_BLOCK}};
  const int64_t t_begin = block / head_blocks * {{TOKENS_PER_BLOCK}};
  const int64_t t_end = t_begin + {{TOKENS_PER_BLOCK}} < tokens ? t_begin + {{TOKENS_PER_BLOCK}} : tokens;
  const int64_t h_begin = block % head_blocks * {{HEADS_PER_BLOCK}};
  const int64_t h_end = h_begin + {{HEADS_PER_BLOCK}} < heads ? h_begin + {{HEADS_PER_BLOCK}} : heads;
  const int64_t half = head_dim / 2;
  // inv_freq[i] = theta^(-2i/head_dim) = ratio^i; the recurrence in double drifts
  // by at most ~ROPE_CHUNK ulps, far below what the angle can feel. It is split
  // into hi (11 significant bits) + lo floats; lanes past the chunk stay 0.
  const double ratio = pow((double)theta, -2.0 / (double)head_dim);
  float inv_hi[ROPE_CHUNK] __attribute__((aligned(32))), inv_lo[ROPE_CHUNK] __attribute__((aligned(32)));
  float cs[ROPE_CHUNK] __attribute__((aligned(32))), sn[ROPE_CHUNK] __attribute__((aligned(32)));
  for (int64_t i0 = 0; i0 < half; i0 += ROPE_CHUNK) {
    const int64_t n = half - i0 < ROPE_CHUNK ? half - i0 : ROPE_CHUNK;
    const int64_t n8 = (n + 7) & ~(int64_t)7;
    double inv = pow((double)theta, -2.0 * (double)i0 / (double)head_dim);
    for (int64_t i = 0; i < n8; ++i) {
      uint32_t bits;
      const float f = i < n ? (float)inv : 0.0f;
      memcpy(&bits, &f, 4);
      bits &= 0xffffe000u;
      float h;
      memcpy(&h, &bits, 4);
      inv_hi[i] = h;
      inv_lo[i] = i < n ? (float)(inv - (double)h) : 0.0f;
      inv *= ratio;
    }
    for (int64_t t = t_begin; t < t_end; ++t) {
      const v8f pos = (v8f){0} + (float)positions[t];
      for (int64_t i = 0; i < n8; i += 8) {
        v8f s8, c8;
        sincos8(pos, *(const v8f*)(inv_hi + i), *(const v8f*)(inv_lo + i), &s8, &c8);
        *(v8f*)(sn + i) = s8;
        *(v8f*)(cs + i) = c8;
      }
      for (int64_t h = h_begin; h < h_end; ++h) {
        const T* xl = x + (t * heads + h) * head_dim + i0;
        const T* xh = xl + half;
        T* yl = y + (t * heads + h) * head_dim + i0;
        T* yh = yl + half;
        int64_t i = 0;
        if ({{STREAM}} && aligned8(yl) && aligned8(yh))
          rotate<1>(xl, xh, yl, yh, cs, sn, n, &i);
        else
          rotate<0>(xl, xh, yl, yh, cs, sn, n, &i);
        for (; i < n; ++i) {
          const float lo = to_f(xl[i]), hi = to_f(xh[i]);
          yl[i] = from_f(lo * cs[i] - hi * sn[i]);
          yh[i] = from_f(hi * cs[i] + lo * sn[i]);
        }
      }
    }
  }
  if ({{STREAM}}) store_fence();
}
