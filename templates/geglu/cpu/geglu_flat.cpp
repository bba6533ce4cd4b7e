// ---
// id: geglu_flat
// op: geglu
// backend: cpu
// summary: plain flat loop over BLOCK_ELEMS elements per block with libm erff / tanhf (both saturate to +-1, so large gates stay finite)
// knobs:
//   BLOCK_ELEMS: [1024, 4096, 16384, 65536]
//   THREADS: [1, 2, 4]
//   FAST_MATH: [0, 1]
// launch:
//   grid: cdiv(rows * cols, BLOCK_ELEMS)
//   threads: THREADS
// flags_if:
//   FAST_MATH: [-ffast-math]
// ---
static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT gate,
                          const T* FOUNDRY_RESTRICT up, T* FOUNDRY_RESTRICT y, int64_t rows, int64_t cols,
                          int64_t approximate) {
  (void)num_blocks;
  const int64_t n = rows * cols;
  const int64_t begin = block * {{BLOCK_ELEMS}};
  const int64_t end = begin + {{BLOCK_ELEMS}} < n ? begin + {{BLOCK_ELEMS}} : n;
  if (approximate) {
    for (int64_t i = begin; i < end; ++i) {
      const float g = to_f(gate[i]);
      const float u = 0.7978845608028654f * (g + 0.044715f * g * g * g);
      y[i] = from_f(0.5f * g * (1.0f + tanhf(u)) * to_f(up[i]));
    }
  } else {
    for (int64_t i = begin; i < end; ++i) {
      const float g = to_f(gate[i]);
      y[i] = from_f(0.5f * g * (1.0f + erff(g * 0.7071067811865476f)) * to_f(up[i]));
    }
  }
}
