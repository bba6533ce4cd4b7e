// ---
// id: quantize_rowloop
// op: quantize
// backend: cpu
// summary: plain row loop, ROWS_PER_BLOCK rows per block; absmax with UNROLL partial maxima, then x / scale rounded half away from zero (roundf) and clamped; an all-zero row stores scale 0 and q 0 without dividing
// knobs:
//   ROWS_PER_BLOCK: [1, 2, 4, 8]
//   UNROLL: [1, 2, 4, 8]
//   THREADS: [1, 2, 4]
//   FAST_MATH: [0, 1]
// launch:
//   grid: cdiv(rows, ROWS_PER_BLOCK)
//   threads: THREADS
// flags_if:
//   FAST_MATH: [-ffast-math]
// ---
static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT x, int8_t* FOUNDRY_RESTRICT q,
                          float* FOUNDRY_RESTRICT scale, int64_t rows, int64_t cols) {
  (void)num_blocks;
  const int64_t r_begin = block * {{ROWS_PER_BLOCK}};
  const int64_t r_end = r_begin + {{ROWS_PER_BLOCK}} < rows ? r_begin + {{ROWS_PER_BLOCK}} : rows;
  for (int64_t r = r_begin; r < r_end; ++r) {
    const T* xr = x + r * cols;
    int8_t* qr = q + r * cols;
    float mx[{{UNROLL}}] = {0};
    int64_t c = 0;
    for (; c + {{UNROLL}} <= cols; c += {{UNROLL}})
      for (int u = 0; u < {{UNROLL}}; ++u) mx[u] = fmaxf(mx[u], fabsf(to_f(xr[c + u])));
    for (; c < cols; ++c) mx[0] = fmaxf(mx[0], fabsf(to_f(xr[c])));
    float absmax = mx[0];
    for (int u = 1; u < {{UNROLL}}; ++u) absmax = fmaxf(absmax, mx[u]);
    if (absmax == 0.0f) {
      scale[r] = 0.0f;
      for (c = 0; c < cols; ++c) qr[c] = 0;
      continue;
    }
    const float s = absmax / 127.0f;
    scale[r] = s;
    for (c = 0; c < cols; ++c) {
      const float v = roundf(to_f(xr[c]) / s);
      qr[c] = (int8_t)(v > 127.0f ? 127.0f : v < -127.0f ? -127.0f : v);
    }
  }
}
