// ---
// id: moe_gating_rowloop
// op: moe_gating
// backend: cpu
// summary: plain per-token loops (max, sum of exp with UNROLL partial sums, topk argmax scans in (logit desc, id asc) order), ROWS_PER_BLOCK tokens per block
// knobs:
//   ROWS_PER_BLOCK: [1, 4, 16]
//   UNROLL: [1, 2, 4]
//   THREADS: [1, 2, 4]
//   FAST_MATH: [0, 1]
// launch:
//   grid: cdiv(tokens, ROWS_PER_BLOCK)
//   threads: THREADS
// flags_if:
//   FAST_MATH: [-ffast-math]
// ---
static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT logits,
                          float* FOUNDRY_RESTRICT weights, int32_t* FOUNDRY_RESTRICT expert_ids, int64_t tokens,
                          int64_t experts, int64_t topk, int64_t renormalize) {
  (void)num_blocks;
  const int64_t t_begin = block * {{ROWS_PER_BLOCK}};
  const int64_t t_end = t_begin + {{ROWS_PER_BLOCK}} < tokens ? t_begin + {{ROWS_PER_BLOCK}} : tokens;
  for (int64_t t = t_begin; t < t_end; ++t) {
    const T* lr = logits + t * experts;
    float* wr = weights + t * topk;
    int32_t* ir = expert_ids + t * topk;
    // Max without infinities, so fast math cannot fold it away.
    float m = to_f(lr[0]);
    for (int64_t e = 1; e < experts; ++e) m = fmaxf(m, to_f(lr[e]));
    float acc[{{UNROLL}}] = {0};
    int64_t e = 0;
    for (; e + {{UNROLL}} <= experts; e += {{UNROLL}})
      for (int u = 0; u < {{UNROLL}}; ++u) acc[u] += expf(to_f(lr[e + u]) - m);
    for (; e < experts; ++e) acc[0] += expf(to_f(lr[e]) - m);
    float sum = 0.0f;
    for (int u = 0; u < {{UNROLL}}; ++u) sum += acc[u];
    // The j-th pick is the largest expert in the order (logit desc, id asc)
    // that comes after the (j-1)-th pick: equal logits go to the lower id.
    float prev_v = 0.0f;
    int64_t prev_e = -1;
    float chosen = 0.0f;
    for (int64_t j = 0; j < topk; ++j) {
      int64_t best = -1;
      float best_v = 0.0f;
      for (int64_t c = 0; c < experts; ++c) {
        const float v = to_f(lr[c]);
        const int after_prev = prev_e < 0 || v < prev_v || (v == prev_v && c > prev_e);
        if (after_prev && (best < 0 || v > best_v)) {
          best = c;
          best_v = v;
        }
      }
      ir[j] = (int32_t)best;
      wr[j] = expf(best_v - m);
      chosen += wr[j];
      prev_v = best_v;
      prev_e = best;
    }
    const float inv = 1.0f / (renormalize != 0 ? chosen : sum);
    for (int64_t j = 0; j < topk; ++j) wr[j] *= inv;
  }
}
