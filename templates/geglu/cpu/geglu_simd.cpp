// ---
// id: geglu_simd
// op: geglu
// backend: cpu
// summary: "8-lane GCC vector types, UNROLL independent vectors per step, inline branch-free math, tail as a partial vector; exact GELU with ERF_RATIONAL=0 from erfc(|g|/sqrt2) (Numerical Recipes Chebyshev fit, one exp, relative error ~1e-7, so 1+erf has no cancellation for negative gates), with ERF_RATIONAL=1 from erf = x*P(x^2)/Q(x^2) on [-4, 4] (Eigen's fit, no exp, about half the work, absolute error <4e-7, covered by atol where 1+erf cancels); tanh GELU as g*sigmoid(2u) from exp(-2|u|) in (0, 1]; the exp argument is clamped at -80, so nothing overflows or goes denormal and the kernel is safe under fast math; STREAM=1 writes y with non-temporal stores (no read-for-ownership) when the block's output is 8-element aligned"
// knobs:
//   UNROLL: [1, 2, 4]
//   ERF_RATIONAL: [0, 1]
//   STREAM: [0, 1]
//   BLOCK_ELEMS: [4096, 16384, 65536]
//   THREADS: [1, 2, 4]
//   FAST_MATH: [0, 1]
// constraints:
//   - BLOCK_ELEMS % (8 * UNROLL) == 0
// launch:
//   grid: cdiv(rows * cols, BLOCK_ELEMS)
//   threads: THREADS
// flags_if:
//   FAST_MATH: [-ffast-math]
// ---

// a - b * c with one rounding; an explicit FMA is never re-associated by fast math,
// which would otherwise fold a Cody-Waite reduction back into one lossy step.
FOUNDRY_INLINE v8f fnmadd8(v8f b, float c, v8f a) {
#if defined(__FMA__)
  return (v8f)_mm256_fnmadd_ps((__m256)b, _mm256_set1_ps(c), (__m256)a);
#else
  return a - b * c;
#endif
}

// e^x for x <= ~0 (Cephes expf polynomial); x is clamped at -80, so 2^n and the
// products the callers form with e^x stay normal floats (no denormal slow paths,
// same result under flush-to-zero). 0.693359375 has 9 significant bits, so n * C1 is exact.
FOUNDRY_INLINE v8f exp_le0(v8f x) {
  x = x > -80.0f ? x : -80.0f;
  const v8f t = x * 1.44269504088896341f + 0.5f;
  v8f n = __builtin_convertvector(__builtin_convertvector(t, v8i), v8f);  // trunc
  n = n > t ? n - 1.0f : n;                                                 // floor
  v8f r = fnmadd8(n, 0.693359375f, x);
  r = fnmadd8(n, -2.12194440e-4f, r);
  v8f p = 1.9875691500e-4f * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const v8i bits = (__builtin_convertvector(n, v8i) + 127) << 23;
  return p * (v8f)bits;
}

FOUNDRY_INLINE v8f vabs(v8f v) { return (v8f)((v8u)v & 0x7fffffffu); }

// 0.5*g*(1 + erf(g/sqrt2)) through erfc(z), z = |g|/sqrt2: 2 - erfc for g >= 0, erfc for g < 0.
FOUNDRY_INLINE v8f gelu_erfc(v8f g) {
  const v8f z = vabs(g) * 0.70710678118654752f;
  const v8f t = 1.0f / (1.0f + 0.5f * z);
  v8f p = 0.17087277f * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  const v8f ec = t * exp_le0(p - z * z);
  return 0.5f * g * (g >= 0.0f ? 2.0f - ec : ec);
}

// 0.5*g*(1 + erf(x)), x = g/sqrt2 clamped to [-4, 4] (erf is +-1 in float beyond).
FOUNDRY_INLINE v8f gelu_erf_rational(v8f g) {
  v8f x = g * 0.70710678118654752f;
  x = x < 4.0f ? x : 4.0f;
  x = x > -4.0f ? x : -4.0f;
  const v8f x2 = x * x;
  v8f p = x2 * -2.72614225801306e-10f + 2.77068142495902e-08f;
  p = p * x2 - 2.10102402082508e-06f;
  p = p * x2 - 5.69250639462346e-05f;
  p = p * x2 - 7.34990630326855e-04f;
  p = p * x2 - 2.95459980854025e-03f;
  p = p * x2 - 1.60960333262415e-02f;
  v8f q = x2 * -1.45660718464996e-05f - 2.13374055278905e-04f;
  q = q * x2 - 1.68282697438203e-03f;
  q = q * x2 - 7.37332916720468e-03f;
  q = q * x2 - 1.42647390514189e-02f;
  return 0.5f * g * (1.0f + x * p / q);
}

FOUNDRY_INLINE v8f gelu_erf(v8f g) {
  return {{ERF_RATIONAL}} ? gelu_erf_rational(g) : gelu_erfc(g);
}

// 0.5*g*(1 + tanh(u)) = g * sigmoid(2u), from e = exp(-2|u|) in (0, 1].
FOUNDRY_INLINE v8f gelu_tanh(v8f g) {
  const v8f u = 0.7978845608028654f * (g + 0.044715f * g * g * g);
  const v8f e = exp_le0(-2.0f * vabs(u));
  return g * ((u >= 0.0f ? 1.0f : e) / (1.0f + e));
}

template <int APPROX>
FOUNDRY_INLINE v8f gelu(v8f g) {
  return APPROX ? gelu_tanh(g) : gelu_erf(g);
}

template <int NT>
FOUNDRY_INLINE void put8(T* p, v8f v) {
  if (NT)
    store8_nt(p, v);
  else
    store8(p, v);
}

// NT: y + begin is 8-element aligned and gets non-temporal stores.
template <int APPROX, int NT>
FOUNDRY_INLINE void run(const T* FOUNDRY_RESTRICT gate, const T* FOUNDRY_RESTRICT up, T* FOUNDRY_RESTRICT y,
                        int64_t begin, int64_t end) {
  int64_t i = begin;
  for (; i + 8 * {{UNROLL}} <= end; i += 8 * {{UNROLL}}) {
    v8f v[{{UNROLL}}];
    for (int u = 0; u < {{UNROLL}}; ++u) v[u] = gelu<APPROX>(load8(gate + i + 8 * u)) * load8(up + i + 8 * u);
    for (int u = 0; u < {{UNROLL}}; ++u) put8<NT>(y + i + 8 * u, v[u]);
  }
  for (; i + 8 <= end; i += 8) put8<NT>(y + i, gelu<APPROX>(load8(gate + i)) * load8(up + i));
  if (i < end) {  // last 1..7 elements as one partial vector, unused lanes zero
    const int rem = (int)(end - i);
    v8f g = {0}, u = {0};
    for (int k = 0; k < rem; ++k) {
      g[k] = to_f(gate[i + k]);
      u[k] = to_f(up[i + k]);
    }
    const v8f v = gelu<APPROX>(g) * u;
    for (int k = 0; k < rem; ++k) y[i + k] = from_f(v[k]);
  }
}

static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT gate,
                          const T* FOUNDRY_RESTRICT up, T* FOUNDRY_RESTRICT y, int64_t rows, int64_t cols,
                          int64_t approximate) {
  (void)num_blocks;
  const int64_t n = rows * cols;
  const int64_t begin = block * {{BLOCK_ELEMS}};
  const int64_t end = begin + {{BLOCK_ELEMS}} < n ? begin + {{BLOCK_ELEMS}} : n;
  if ({{STREAM}} && aligned8(y + begin)) {
    if (approximate)
      run<1, 1>(gate, up, y, begin, end);
    else
      run<0, 1>(gate, up, y, begin, end);
    store_fence();
  } else {
    if (approximate)
      run<1, 0>(gate, up, y, begin, end);
    else
      run<0, 0>(gate, up, y, begin, end);
  }
}
