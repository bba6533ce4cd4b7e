// ---
// id: swiglu_simd
// op: swiglu
// backend: cpu
// summary: VEC-wide chunks in float lanes; sigmoid from exp(-|g|), which never overflows, so it stays right under fast math
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
static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT gate,
                          const T* FOUNDRY_RESTRICT up, T* FOUNDRY_RESTRICT y, int64_t rows, int64_t cols) {
  (void)num_blocks;
  const int64_t n = rows * cols;
  const int64_t begin = block * {{BLOCK_ELEMS}};
  const int64_t end = begin + {{BLOCK_ELEMS}} < n ? begin + {{BLOCK_ELEMS}} : n;
  int64_t i = begin;
  for (; i + {{VEC}} <= end; i += {{VEC}}) {
    float g[{{VEC}}], u[{{VEC}}], e[{{VEC}}];
    for (int k = 0; k < {{VEC}}; ++k) {
      g[k] = to_f(gate[i + k]);
      u[k] = to_f(up[i + k]);
    }
    for (int k = 0; k < {{VEC}}; ++k) e[k] = expf(-fabsf(g[k]));
    for (int k = 0; k < {{VEC}}; ++k) {
      const float s = (g[k] >= 0.0f ? 1.0f : e[k]) / (1.0f + e[k]);
      y[i + k] = from_f(g[k] * s * u[k]);
    }
  }
  for (; i < end; ++i) {
    const float g = to_f(gate[i]), e = expf(-fabsf(g));
    y[i] = from_f(g * ((g >= 0.0f ? 1.0f : e) / (1.0f + e)) * to_f(up[i]));
  }
}
