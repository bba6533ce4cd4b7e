// ---
// id: moe_gating_plain
// op: moe_gating
// backend: cuda
// summary: one thread per token; max and exp-sum sweeps over the logits, then topk selection sweeps (logit descending, then lower expert id); weights rescaled in place when renormalising; any shape
// knobs:
//   THREADS: [32, 64, 128, 256]
//   FAST_MATH: [0, 1]
// launch:
//   grid: cdiv(tokens, THREADS)
//   threads: THREADS
// flags_if:
//   FAST_MATH: [--use_fast_math]
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}})

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT logits, float* FOUNDRY_RESTRICT weights,
                                       int32_t* FOUNDRY_RESTRICT expert_ids, int64_t tokens, int64_t experts,
                                       int64_t topk, int64_t renormalize) {
  for (int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; t < tokens; t += (int64_t)gridDim.x * blockDim.x) {
    const T* l = logits + t * experts;
    float m = -INFINITY;
    for (int64_t e = 0; e < experts; ++e) m = fmaxf(m, to_f(l[e]));
    float s = 0.0f;
    for (int64_t e = 0; e < experts; ++e) s += expf(to_f(l[e]) - m);
    const float inv = 1.0f / s;
    // Probability order is logit order; (tv, tc) is the previous pick.
    float tv = 0.0f, chosen = 0.0f;
    int64_t tc = -1;
    for (int64_t j = 0; j < topk; ++j) {
      float bv = -INFINITY;
      int64_t bc = -1;
      for (int64_t e = 0; e < experts; ++e) {
        const float v = to_f(l[e]);
        const bool below = tc < 0 || v < tv || (v == tv && e > tc);
        if (below && (bc < 0 || v > bv)) {  // a tie keeps the lower id
          bv = v;
          bc = e;
        }
      }
      const float p = expf(bv - m) * inv;
      chosen += p;
      weights[t * topk + j] = p;
      expert_ids[t * topk + j] = (int32_t)bc;
      tv = bv;
      tc = bc;
    }
    if (renormalize != 0) {
      const float rs = 1.0f / chosen;
      for (int64_t j = 0; j < topk; ++j) weights[t * topk + j] *= rs;
    }
  }
}
