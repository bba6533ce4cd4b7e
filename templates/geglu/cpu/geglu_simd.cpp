// ---
// id: geglu_simd
// op: geglu
// backend: cpu
// summary: "VEC-lane GCC vector types with inline branch-free math, one exp per element, tail as a zero-padded partial vector; exact GELU from erfc(|g|/sqrt2) (Numerical Recipes Chebyshev fit, relative error ~1e-7, so 1+erf has no cancellation for negative gates), tanh GELU as g*sigmoid(2u) from exp(-2|u|) in (0, 1]; the exp argument is clamped at -87, so nothing overflows or goes denormal and the kernel is safe under fast math"
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
typedef float vfloat __attribute__((vector_size({{VEC}} * sizeof(float))));
typedef int32_t vint __attribute__((vector_size({{VEC}} * sizeof(int32_t))));

// e^x for x <= ~0 (Cephes expf polynomial); x is clamped at -87, where 2^n stays
// a normal float. 0.693359375 has 9 significant bits, so n * C1 is exact.
FOUNDRY_INLINE vfloat exp_le0(vfloat x) {
  x = x > -87.0f ? x : -87.0f;
  const vfloat t = x * 1.44269504088896341f + 0.5f;
  vfloat n = __builtin_convertvector(__builtin_convertvector(t, vint), vfloat);  // trunc
  n = n > t ? n - 1.0f : n;                                                       // floor
  vfloat r = x - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  vfloat p = 1.9875691500e-4f * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const vint bits = (__builtin_convertvector(n, vint) + 127) << 23;
  return p * (vfloat)bits;
}

FOUNDRY_INLINE vfloat vabs(vfloat v) { return (vfloat)((vint)v & 0x7fffffff); }

// 0.5*g*(1 + erf(g/sqrt2)) through erfc(z), z = |g|/sqrt2: 2 - erfc for g >= 0, erfc for g < 0.
FOUNDRY_INLINE vfloat gelu_erf(vfloat g) {
  const vfloat z = vabs(g) * 0.70710678118654752f;
  const vfloat t = 1.0f / (1.0f + 0.5f * z);
  vfloat p = 0.17087277f * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  const vfloat ec = t * exp_le0(p - z * z);
  return 0.5f * g * (g >= 0.0f ? 2.0f - ec : ec);
}

// 0.5*g*(1 + tanh(u)) = g * sigmoid(2u), from e = exp(-2|u|) in (0, 1].
FOUNDRY_INLINE vfloat gelu_tanh(vfloat g) {
  const vfloat u = 0.7978845608028654f * (g + 0.044715f * g * g * g);
  const vfloat e = exp_le0(-2.0f * vabs(u));
  return g * ((u >= 0.0f ? 1.0f : e) / (1.0f + e));
}

// Loads `count` (<= VEC) lanes, the rest zero.
FOUNDRY_INLINE vfloat load_v(const T* p, int64_t count) {
  vfloat v = {0};
  for (int i = 0; i < {{VEC}}; ++i)
    if (i < count) v[i] = to_f(p[i]);
  return v;
}

FOUNDRY_INLINE vfloat load_full(const T* p) {
  vfloat v;
  for (int i = 0; i < {{VEC}}; ++i) v[i] = to_f(p[i]);
  return v;
}

template <int APPROX>
FOUNDRY_INLINE void run(const T* FOUNDRY_RESTRICT gate, const T* FOUNDRY_RESTRICT up, T* FOUNDRY_RESTRICT y,
                        int64_t begin, int64_t end) {
  int64_t i = begin;
  for (; i + {{VEC}} <= end; i += {{VEC}}) {
    const vfloat g = load_full(gate + i);
    const vfloat v = (APPROX ? gelu_tanh(g) : gelu_erf(g)) * load_full(up + i);
    for (int k = 0; k < {{VEC}}; ++k) y[i + k] = from_f(v[k]);
  }
  if (i < end) {
    const int64_t rem = end - i;
    const vfloat g = load_v(gate + i, rem);
    const vfloat v = (APPROX ? gelu_tanh(g) : gelu_erf(g)) * load_v(up + i, rem);
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
  if (approximate)
    run<1>(gate, up, y, begin, end);
  else
    run<0>(gate, up, y, begin, end);
}
