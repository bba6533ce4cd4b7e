// ---
// id: swiglu_flat
// op: swiglu
// backend: cpu
// summary: "plain flat loop over BLOCK_ELEMS elements per block. With FAST_MATH=1, g / (1 + exp(-g)) becomes NaN for large negative g (fast math assumes exp never overflows): a real failure, recorded as nonfinite"
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
                          const T* FOUNDRY_RESTRICT up, T* FOUNDRY_RESTRICT y, int64_t rows, int64_t cols) {
  (void)num_blocks;
  const int64_t n = rows * cols;
  const int64_t begin = block * {{BLOCK_ELEMS}};
  const int64_t end = begin + {{BLOCK_ELEMS}} < n ? begin + {{BLOCK_ELEMS}} : n;
  for (int64_t i = begin; i < end; ++i) {
    const float g = to_f(gate[i]);
    y[i] = from_f(g / (1.0f + expf(-g)) * to_f(up[i]));
  }
}
