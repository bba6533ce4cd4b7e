// ---
// id: rope_rowloop
// op: rope
// backend: cpu
// summary: plain loops in reference order (token, pair i, head), TOKENS_PER_BLOCK tokens per block; each (token, i) angle is pos * theta^(-2i/head_dim) in double (a float angle is off by up to 1e-3 rad near position 8192), cos/sin from libm, then rotated across heads with a head_dim stride
// knobs:
//   TOKENS_PER_BLOCK: [1, 2, 4, 8]
//   THREADS: [1, 2, 4]
//   FAST_MATH: [0, 1]
// launch:
//   grid: cdiv(tokens, TOKENS_PER_BLOCK)
//   threads: THREADS
// flags_if:
//   FAST_MATH: [-ffast-math]
// ---
static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT x,
                          const int32_t* FOUNDRY_RESTRICT positions, T* FOUNDRY_RESTRICT y, int64_t tokens,
                          int64_t heads, int64_t head_dim, float theta) {
  (void)num_blocks;
  const int64_t t_begin = block * {{TOKENS_PER_BLOCK}};
  const int64_t t_end = t_begin + {{TOKENS_PER_BLOCK}} < tokens ? t_begin + {{TOKENS_PER_BLOCK}} : tokens;
  const int64_t half = head_dim / 2;
  for (int64_t t = t_begin; t < t_end; ++t) {
    const double pos = (double)positions[t];
    for (int64_t i = 0; i < half; ++i) {
      const double a = pos * pow((double)theta, -2.0 * (double)i / (double)head_dim);
      const float cs = (float)cos(a), sn = (float)sin(a);
      for (int64_t h = 0; h < heads; ++h) {
        const int64_t base = (t * heads + h) * head_dim;
        const float lo = to_f(x[base + i]), hi = to_f(x[base + i + half]);
        y[base + i] = from_f(lo * cs - hi * sn);
        y[base + i + half] = from_f(hi * cs + lo * sn);
      }
    }
  }
}
