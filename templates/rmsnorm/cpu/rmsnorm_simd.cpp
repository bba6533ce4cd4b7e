// ---
// id: rmsnorm_simd
// op: rmsnorm
// backend: cpu
// summary: VEC-lane vector accumulators (GCC vector types), row kept hot in cache between its two passes
// knobs:
//   VEC: [4, 8, 16, 32]
//   ROWS_PER_BLOCK: [1, 2, 4]
//   THREADS: [1, 2, 4]
//   FAST_MATH: [0, 1]
// constraints:
//   - VEC <= 32
// launch:
//   grid: cdiv(rows, ROWS_PER_BLOCK)
//   threads: THREADS
// flags_if:
//   FAST_MATH: [-ffast-math]
// ---
typedef float vfloat __attribute__((vector_size({{VEC}} * sizeof(float))));

FOUNDRY_INLINE vfloat load_v(const T* p) {
  vfloat v;
  for (int i = 0; i < {{VEC}}; ++i) v[i] = to_f(p[i]);
  return v;
}

static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT x,
                          const T* FOUNDRY_RESTRICT w, T* FOUNDRY_RESTRICT y, int64_t rows, int64_t cols,
                          float eps) {
  (void)num_blocks;
  const int64_t r_begin = block * {{ROWS_PER_BLOCK}};
  const int64_t r_end = r_begin + {{ROWS_PER_BLOCK}} < rows ? r_begin + {{ROWS_PER_BLOCK}} : rows;
  const int64_t main = cols - cols % {{VEC}};
  for (int64_t r = r_begin; r < r_end; ++r) {
    const T* xr = x + r * cols;
    T* yr = y + r * cols;
    vfloat acc = {0};
    for (int64_t c = 0; c < main; c += {{VEC}}) {
      const vfloat v = load_v(xr + c);
      acc += v * v;
    }
    float ss = 0.0f;
    for (int i = 0; i < {{VEC}}; ++i) ss += acc[i];
    for (int64_t c = main; c < cols; ++c) ss += to_f(xr[c]) * to_f(xr[c]);
    const float inv = 1.0f / sqrtf(ss / (float)cols + eps);
    for (int64_t c = 0; c < main; c += {{VEC}}) {
      const vfloat v = load_v(xr + c) * inv * load_v(w + c);
      for (int i = 0; i < {{VEC}}; ++i) yr[c + i] = from_f(v[i]);
    }
    for (int64_t c = main; c < cols; ++c) yr[c] = from_f(to_f(xr[c]) * inv * to_f(w[c]));
  }
}
