// ---
// id: geglu_simd
// op: geglu
// backend: cpu
// summary: "VEC-wide chunks in float lanes with inline vectorisable math, one exp per element; exact GELU from erfc(|g|/sqrt2) (Numerical Recipes Chebyshev fit, relative error ~1e-7, so 1+erf has no cancellation for negative gates), tanh GELU as g*sigmoid(2u) from exp(-2|u|); the exp argument is clamped at -87, so nothing overflows or goes denormal and the kernel is safe under fast math"
// knobs:
//   VEC: [8, 16, 32]
//   BLOCK_ELEMS: [4096, 16384, 65536]
//   THREADS: [1, 2, 4]
//   FAST_MATH: [0, 1]
// constraints:
//   - BLOCK_ELEMS % VEC == 0
// launch:
//   grid: cdiv(rows * cols, BLOCK_ELEMS)
//   threads: THREADS
// flags_if:
//   FAST_MATH: [-ffast-math]
// ---
// e^x for x <= ~0 (Cephes expf polynomial, Cody-Waite reduction through fma so
// fast math cannot re-associate it); x is clamped at -87, where 2^n stays normal.
FOUNDRY_INLINE float exp_le0(float x) {
  x = x > -87.0f ? x : -87.0f;
  const float n = floorf(x * 1.44269504088896341f + 0.5f);
  float r = fmaf(n, -0.693359375f, x);
  r = fmaf(n, 2.12194440e-4f, r);
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = ((int32_t)n + 127) << 23;
  float s;
  memcpy(&s, &bits, 4);
  return p * s;
}

// 0.5*g*(1 + erf(g/sqrt2)) through erfc(z), z = |g|/sqrt2: 2 - erfc for g >= 0, erfc for g < 0.
FOUNDRY_INLINE float gelu_erf(float g) {
  const float z = fabsf(g) * 0.70710678118654752f;
  const float t = 1.0f / (1.0f + 0.5f * z);
  float p = 0.17087277f;
  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  const float ec = t * exp_le0(p - z * z);
  return 0.5f * g * (g >= 0.0f ? 2.0f - ec : ec);
}

// 0.5*g*(1 + tanh(u)) = g * sigmoid(2u), from e = exp(-2|u|) in (0, 1].
FOUNDRY_INLINE float gelu_tanh(float g) {
  const float u = 0.7978845608028654f * (g + 0.044715f * g * g * g);
  const float e = exp_le0(-2.0f * fabsf(u));
  return g * ((u >= 0.0f ? 1.0f : e) / (1.0f + e));
}

static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT gate,
                          const T* FOUNDRY_RESTRICT up, T* FOUNDRY_RESTRICT y, int64_t rows, int64_t cols,
                          int64_t approximate) {
  (void)num_blocks;
  const int64_t n = rows * cols;
  const int64_t begin = block * {{BLOCK_ELEMS}};
  const int64_t end = begin + {{BLOCK_ELEMS}} < n ? begin + {{BLOCK_ELEMS}} : n;
  int64_t i = begin;
  if (approximate) {
    for (; i + {{VEC}} <= end; i += {{VEC}}) {
      float g[{{VEC}}], u[{{VEC}}];
      for (int k = 0; k < {{VEC}}; ++k) {
        g[k] = to_f(gate[i + k]);
        u[k] = to_f(up[i + k]);
      }
      for (int k = 0; k < {{VEC}}; ++k) g[k] = gelu_tanh(g[k]) * u[k];
      for (int k = 0; k < {{VEC}}; ++k) y[i + k] = from_f(g[k]);
    }
    for (; i < end; ++i) y[i] = from_f(gelu_tanh(to_f(gate[i])) * to_f(up[i]));
  } else {
    for (; i + {{VEC}} <= end; i += {{VEC}}) {
      float g[{{VEC}}], u[{{VEC}}];
      for (int k = 0; k < {{VEC}}; ++k) {
        g[k] = to_f(gate[i + k]);
        u[k] = to_f(up[i + k]);
      }
      for (int k = 0; k < {{VEC}}; ++k) g[k] = gelu_erf(g[k]) * u[k];
      for (int k = 0; k < {{VEC}}; ++k) y[i + k] = from_f(g[k]);
    }
    for (; i < end; ++i) y[i] = from_f(gelu_erf(to_f(gate[i])) * to_f(up[i]));
  }
}
