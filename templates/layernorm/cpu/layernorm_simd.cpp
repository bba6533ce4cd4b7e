// ---
// id: layernorm_simd
// op: layernorm
// backend: cpu
// summary: "two-pass layernorm with ACC independent VEC-lane vector accumulators (GCC vector types); the row stays hot in L1/L2 across its three sweeps (sum, squared deviations, normalise), so DRAM sees one read of x and one write of y"
// knobs:
//   VEC: [8, 16, 32]
//   ACC: [1, 2, 4]
//   ROWS_PER_BLOCK: [1, 2, 4]
//   THREADS: [1, 2, 4]
//   FAST_MATH: [0, 1]
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

FOUNDRY_INLINE float hsum(vfloat v) {
  float s = 0.0f;
  for (int i = 0; i < {{VEC}}; ++i) s += v[i];
  return s;
}

static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT x,
                          const T* FOUNDRY_RESTRICT gamma, const T* FOUNDRY_RESTRICT beta, T* FOUNDRY_RESTRICT y,
                          int64_t rows, int64_t cols, float eps) {
  (void)num_blocks;
  const int64_t r_begin = block * {{ROWS_PER_BLOCK}};
  const int64_t r_end = r_begin + {{ROWS_PER_BLOCK}} < rows ? r_begin + {{ROWS_PER_BLOCK}} : rows;
  const int64_t step = (int64_t){{VEC}} * {{ACC}};
  const int64_t main_acc = cols - cols % step;     // covered by all ACC accumulators
  const int64_t main = cols - cols % {{VEC}};      // then whole vectors into acc[0]
  for (int64_t r = r_begin; r < r_end; ++r) {
    const T* xr = x + r * cols;
    T* yr = y + r * cols;

    // Sweep 1: the sum, for the exact mean.
    vfloat acc[{{ACC}}];
    for (int a = 0; a < {{ACC}}; ++a) acc[a] = (vfloat){0};
    int64_t c = 0;
    for (; c < main_acc; c += step)
      for (int a = 0; a < {{ACC}}; ++a) acc[a] += load_v(xr + c + a * {{VEC}});
    for (; c < main; c += {{VEC}}) acc[0] += load_v(xr + c);
    for (int a = 1; a < {{ACC}}; ++a) acc[0] += acc[a];
    float sum = hsum(acc[0]);
    for (; c < cols; ++c) sum += to_f(xr[c]);
    const float mean = sum / (float)cols;

    // Sweep 2: squared deviations from the mean (no cancellation).
    for (int a = 0; a < {{ACC}}; ++a) acc[a] = (vfloat){0};
    for (c = 0; c < main_acc; c += step)
      for (int a = 0; a < {{ACC}}; ++a) {
        const vfloat d = load_v(xr + c + a * {{VEC}}) - mean;
        acc[a] += d * d;
      }
    for (; c < main; c += {{VEC}}) {
      const vfloat d = load_v(xr + c) - mean;
      acc[0] += d * d;
    }
    for (int a = 1; a < {{ACC}}; ++a) acc[0] += acc[a];
    float ss = hsum(acc[0]);
    for (; c < cols; ++c) {
      const float d = to_f(xr[c]) - mean;
      ss += d * d;
    }
    const float inv = 1.0f / sqrtf(ss / (float)cols + eps);

    // Sweep 3: normalise, scale, shift.
    for (c = 0; c < main; c += {{VEC}}) {
      const vfloat v = (load_v(xr + c) - mean) * inv * load_v(gamma + c) + load_v(beta + c);
      for (int i = 0; i < {{VEC}}; ++i) yr[c + i] = from_f(v[i]);
    }
    for (; c < cols; ++c) yr[c] = from_f((to_f(xr[c]) - mean) * inv * to_f(gamma[c]) + to_f(beta[c]));
  }
}
