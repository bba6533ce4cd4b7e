// ---
// id: quantize_simd
// op: quantize
// backend: cpu
// summary: "8-lane GCC vector types: absmax with ACC independent vector maxima (sign bit masked off), then x * (1/scale) (x / scale for a subnormal scale) rounded half away from zero exactly (trunc plus a +-1 step where the fraction reaches 0.5), clamped and narrowed to int8 with packs, UNROLL vectors per step; the row stays in L1/L2 between its two sweeps; an all-zero row stores scale 0 and q 0 without dividing"
// knobs:
//   ACC: [1, 2, 4]
//   UNROLL: [1, 2, 4]
//   ROWS_PER_BLOCK: [1, 2, 4, 8]
//   THREADS: [1, 2, 4]
//   FAST_MATH: [0, 1]
// launch:
//   grid: cdiv(rows, ROWS_PER_BLOCK)
//   threads: THREADS
// flags_if:
//   FAST_MATH: [-ffast-math]
// ---
typedef int8_t v8b __attribute__((vector_size(8)));
typedef int8_t v8b_m __attribute__((vector_size(8), aligned(1), may_alias));

FOUNDRY_INLINE v8f vabs(v8f v) { return (v8f)((v8u)v & 0x7fffffffu); }
FOUNDRY_INLINE v8f vmax(v8f a, v8f b) { return a > b ? a : b; }

// clamp(round_half_away_from_zero(t), -127, 127), exact: t - trunc(t) is exact.
FOUNDRY_INLINE v8i quant8(v8f t) {
  const v8i ti = __builtin_convertvector(t, v8i);  // |t| <= ~127.0001, no overflow
  const v8f f = t - __builtin_convertvector(ti, v8f);
  v8i qi = ti + ((v8i)(f >= 0.5f) & 1) - ((v8i)(f <= -0.5f) & 1);
  qi = qi > 127 ? 127 : qi;
  return qi < -127 ? -127 : qi;
}

// Narrows 8 values in [-127, 127] to int8 with two packs (a plain conversion is scalarised).
FOUNDRY_INLINE void store_q8(int8_t* p, v8i qi) {
#if defined(__AVX2__)
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128((__m256i)qi), _mm256_extracti128_si256((__m256i)qi, 1));
  _mm_storel_epi64((__m128i*)p, _mm_packs_epi16(w, w));
#else
  *(v8b_m*)p = __builtin_convertvector(qi, v8b);
#endif
}

static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT x, int8_t* FOUNDRY_RESTRICT q,
                          float* FOUNDRY_RESTRICT scale, int64_t rows, int64_t cols) {
  (void)num_blocks;
  const int64_t r_begin = block * {{ROWS_PER_BLOCK}};
  const int64_t r_end = r_begin + {{ROWS_PER_BLOCK}} < rows ? r_begin + {{ROWS_PER_BLOCK}} : rows;
  const int64_t step_acc = 8 * {{ACC}}, step_un = 8 * {{UNROLL}};
  const int64_t main_acc = cols - cols % step_acc, main_un = cols - cols % step_un, main8 = cols - cols % 8;
  for (int64_t r = r_begin; r < r_end; ++r) {
    const T* xr = x + r * cols;
    int8_t* qr = q + r * cols;

    v8f mx[{{ACC}}];
    for (int a = 0; a < {{ACC}}; ++a) mx[a] = (v8f){0};
    int64_t c = 0;
    for (; c < main_acc; c += step_acc)
      for (int a = 0; a < {{ACC}}; ++a) mx[a] = vmax(mx[a], vabs(load8(xr + c + 8 * a)));
    for (; c < main8; c += 8) mx[0] = vmax(mx[0], vabs(load8(xr + c)));
    for (int a = 1; a < {{ACC}}; ++a) mx[0] = vmax(mx[0], mx[a]);
    float absmax = 0.0f;
    for (int i = 0; i < 8; ++i) absmax = mx[0][i] > absmax ? mx[0][i] : absmax;
    for (; c < cols; ++c) {
      const float v = fabsf(to_f(xr[c]));
      absmax = v > absmax ? v : absmax;
    }

    if (absmax == 0.0f) {
      scale[r] = 0.0f;
      memset(qr, 0, (size_t)cols);
      continue;
    }
    const float s = absmax / 127.0f;
    scale[r] = s;
    if (s < 0x1p-126f) {  // subnormal scale: 1/s would overflow, divide instead
      for (c = 0; c < main8; c += 8) store_q8(qr + c, quant8(load8(xr + c) / s));
      for (; c < cols; ++c) {
        v8f t = {0};
        t[0] = to_f(xr[c]) / s;
        qr[c] = (int8_t)quant8(t)[0];
      }
      continue;
    }
    const float inv = 1.0f / s;
    for (c = 0; c < main_un; c += step_un) {
      v8i b[{{UNROLL}}];
      for (int u = 0; u < {{UNROLL}}; ++u) b[u] = quant8(load8(xr + c + 8 * u) * inv);
      for (int u = 0; u < {{UNROLL}}; ++u) store_q8(qr + c + 8 * u, b[u]);
    }
    for (; c < main8; c += 8) store_q8(qr + c, quant8(load8(xr + c) * inv));
    if (c < cols) {  // last 1..7 elements as one partial vector
      v8f t = {0};
      for (int k = 0; c + k < cols; ++k) t[k] = to_f(xr[c + k]) * inv;
      const v8i b = quant8(t);
      for (int k = 0; c + k < cols; ++k) qr[c + k] = (int8_t)b[k];
    }
  }
}
