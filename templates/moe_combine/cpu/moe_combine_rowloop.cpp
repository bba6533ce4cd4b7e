// ---
// id: moe_combine_rowloop
// op: moe_combine
// backend: cpu
// summary: plain loops - per token, per column, the weighted sum over its topk expert rows in float; TOKENS_PER_BLOCK tokens per block
// knobs:
//   TOKENS_PER_BLOCK: [1, 4, 16, 64]
//   THREADS: [1, 2, 4]
// launch:
//   grid: cdiv(tokens, TOKENS_PER_BLOCK)
//   threads: THREADS
// ---
static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT y_sorted,
                          const int32_t* FOUNDRY_RESTRICT slot_to_row, const float* FOUNDRY_RESTRICT weights,
                          T* FOUNDRY_RESTRICT out, int64_t tokens, int64_t hidden, int64_t topk) {
  (void)num_blocks;
  const int64_t t_begin = block * {{TOKENS_PER_BLOCK}};
  const int64_t t_end = t_begin + {{TOKENS_PER_BLOCK}} < tokens ? t_begin + {{TOKENS_PER_BLOCK}} : tokens;
  for (int64_t t = t_begin; t < t_end; ++t) {
    for (int64_t c = 0; c < hidden; ++c) {
      float acc = 0.0f;
      for (int64_t j = 0; j < topk; ++j)
        acc += weights[t * topk + j] * to_f(y_sorted[(int64_t)slot_to_row[t * topk + j] * hidden + c]);
      out[t * hidden + c] = from_f(acc);
    }
  }
}
