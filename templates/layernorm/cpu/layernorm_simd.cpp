// ---
// id: layernorm_simd
// op: layernorm
// backend: cpu
// summary: "two-pass layernorm (exact mean, then squared deviations) in 8-lane GCC vector types with ACC independent accumulators, bf16/f16 converted in-register (shifts / F16C); the row stays hot in L1/L2 across its three sweeps, so DRAM sees one read of x and one write of y; STREAM=1 writes y rows with non-temporal stores (no read-for-ownership) from the first 8-element aligned column on"
// knobs:
//   ACC: [1, 2, 4, 8]
//   ROWS_PER_BLOCK: [1, 2, 4]
//   STREAM: [0, 1]
//   THREADS: [1, 2, 4]
//   FAST_MATH: [0, 1]
// launch:
//   grid: cdiv(rows, ROWS_PER_BLOCK)
//   threads: THREADS
// flags_if:
//   FAST_MATH: [-ffast-math]
// ---

FOUNDRY_INLINE float hsum8(v8f v) {
  float s = 0.0f;
  for (int i = 0; i < 8; ++i) s += v[i];
  return s;
}

static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT x,
                          const T* FOUNDRY_RESTRICT gamma, const T* FOUNDRY_RESTRICT beta, T* FOUNDRY_RESTRICT y,
                          int64_t rows, int64_t cols, float eps) {
  (void)num_blocks;
  const int64_t r_begin = block * {{ROWS_PER_BLOCK}};
  const int64_t r_end = r_begin + {{ROWS_PER_BLOCK}} < rows ? r_begin + {{ROWS_PER_BLOCK}} : rows;
  const int64_t step = 8 * {{ACC}};
  const int64_t main_acc = cols - cols % step;  // covered by all ACC accumulators
  const int64_t main8 = cols - cols % 8;        // then whole vectors into acc[0]
  for (int64_t r = r_begin; r < r_end; ++r) {
    const T* xr = x + r * cols;
    T* yr = y + r * cols;

    // Sweep 1: the sum, for the exact mean.
    v8f acc[{{ACC}}];
    for (int a = 0; a < {{ACC}}; ++a) acc[a] = (v8f){0};
    int64_t c = 0;
    for (; c < main_acc; c += step)
      for (int a = 0; a < {{ACC}}; ++a) acc[a] += load8(xr + c + 8 * a);
    for (; c < main8; c += 8) acc[0] += load8(xr + c);
    for (int a = 1; a < {{ACC}}; ++a) acc[0] += acc[a];
    float sum = hsum8(acc[0]);
    for (; c < cols; ++c) sum += to_f(xr[c]);
    const float mean = sum / (float)cols;

    // Sweep 2: squared deviations from the mean (no cancellation).
    for (int a = 0; a < {{ACC}}; ++a) acc[a] = (v8f){0};
    for (c = 0; c < main_acc; c += step)
      for (int a = 0; a < {{ACC}}; ++a) {
        const v8f d = load8(xr + c + 8 * a) - mean;
        acc[a] += d * d;
      }
    for (; c < main8; c += 8) {
      const v8f d = load8(xr + c) - mean;
      acc[0] += d * d;
    }
    for (int a = 1; a < {{ACC}}; ++a) acc[0] += acc[a];
    float ss = hsum8(acc[0]);
    for (; c < cols; ++c) {
      const float d = to_f(xr[c]) - mean;
      ss += d * d;
    }
    const float inv = 1.0f / sqrtf(ss / (float)cols + eps);

    // Sweep 3: normalise, scale, shift. With STREAM, scalar up to the first
    // aligned column, then non-temporal vectors.
    c = 0;
    if ({{STREAM}}) {
      int64_t head = (int64_t)(((8 * sizeof(T)) - ((uintptr_t)yr & (8 * sizeof(T) - 1))) & (8 * sizeof(T) - 1)) /
                     (int64_t)sizeof(T);
      if (head > cols) head = cols;
      for (; c < head; ++c) yr[c] = from_f((to_f(xr[c]) - mean) * inv * to_f(gamma[c]) + to_f(beta[c]));
      for (; c + 8 <= cols; c += 8)
        store8_nt(yr + c, (load8(xr + c) - mean) * inv * load8(gamma + c) + load8(beta + c));
    } else {
      for (; c + 8 <= cols; c += 8)
        store8(yr + c, (load8(xr + c) - mean) * inv * load8(gamma + c) + load8(beta + c));
    }
    for (; c < cols; ++c) yr[c] = from_f((to_f(xr[c]) - mean) * inv * to_f(gamma[c]) + to_f(beta[c]));
  }
  if ({{STREAM}}) store_fence();
}
