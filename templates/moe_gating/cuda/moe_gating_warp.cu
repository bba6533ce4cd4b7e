// ---
// id: moe_gating_warp
// op: moe_gating
// backend: cuda
// summary: LANES lanes per token (a warp or a slice of one), logits held in registers (ITEMS per lane) when experts <= LANES*ITEMS; shuffle max and exp-sum, then topk rounds of a shuffle argmax after which only the winning lane rescans its own experts; streaming rescans from memory for wider routers
// knobs:
//   THREADS: [64, 128, 256]
//   LANES: [4, 8, 16, 32]
//   ITEMS: [1, 2, 4, 8]
//   FAST_MATH: [0, 1]
// launch:
//   grid: cdiv(tokens, THREADS / LANES)
//   threads: THREADS
// flags_if:
//   FAST_MATH: [--use_fast_math]
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}}, 1)

constexpr int kThreads = {{THREADS}};
constexpr int kLanes = {{LANES}};  // lanes per token: consecutive lanes of one warp
constexpr int kItems = {{ITEMS}};
constexpr int kRows = kThreads / kLanes;  // tokens per block
constexpr int kNone = 0x7fffffff;        // expert id of "no candidate"

// Expert (v, c) is still unpicked when it ranks below the lane's last pick (tv, tc).
static __device__ __forceinline__ bool unpicked(float v, int c, float tv, int tc) {
  return tc == kNone || v < tv || (v == tv && c > tc);
}

template <bool MAX>
static __device__ __forceinline__ float lanes_reduce(float v) {
#pragma unroll
  for (int o = kLanes / 2; o > 0; o >>= 1) {
    const float u = __shfl_xor_sync(0xffffffffu, v, o);
    v = MAX ? fmaxf(v, u) : v + u;
  }
  return v;
}

template <bool IN_REGS>
static __device__ __forceinline__ void gate_rows(const T* logits, float* weights, int32_t* expert_ids, int64_t tokens,
                                                 int64_t experts, int64_t topk, int64_t renormalize) {
  const int lane = threadIdx.x % kLanes;
  const int ne = (int)experts;  // routers are far below 2^31 experts
  for (int64_t t0 = (int64_t)blockIdx.x * kRows; t0 < tokens; t0 += (int64_t)gridDim.x * kRows) {
    const int64_t t = t0 + threadIdx.x / kLanes;
    const bool active = t < tokens;
    const T* l = logits + (active ? t : 0) * experts;
    // Lane q owns experts q, q + kLanes, q + 2*kLanes, ...; missing ones read as -inf.
    float v[IN_REGS ? kItems : 1];
    float m = -INFINITY;
    if constexpr (IN_REGS) {
#pragma unroll
      for (int i = 0; i < kItems; ++i) {
        const int c = i * kLanes + lane;
        v[i] = (active && c < ne) ? to_f(l[c]) : -INFINITY;
        m = fmaxf(m, v[i]);
      }
    } else {
      if (active)
        for (int c = lane; c < ne; c += kLanes) m = fmaxf(m, to_f(l[c]));
    }
    m = lanes_reduce<true>(m);
    float s = 0.0f;
    if (active) {  // m is finite here
      if constexpr (IN_REGS) {
#pragma unroll
        for (int i = 0; i < kItems; ++i) s += expf(v[i] - m);  // exp(-inf) = 0 for missing experts
      } else {
        for (int c = lane; c < ne; c += kLanes) s += expf(to_f(l[c]) - m);
      }
    }
    const float inv = 1.0f / lanes_reduce<false>(s);
    float tv = 0.0f, bv = -INFINITY;
    int tc = kNone, bc = kNone;
    auto rescan = [&]() {
      bv = -INFINITY;
      bc = kNone;
      if (!active) return;
      if constexpr (IN_REGS) {
#pragma unroll
        for (int i = 0; i < kItems; ++i) {
          const int c = i * kLanes + lane;
          if (c < ne && unpicked(v[i], c, tv, tc) && ranks_above(v[i], c, bv, bc)) {
            bv = v[i];
            bc = c;
          }
        }
      } else {
        for (int c = lane; c < ne; c += kLanes) {
          const float u = to_f(l[c]);
          if (unpicked(u, c, tv, tc) && ranks_above(u, c, bv, bc)) {
            bv = u;
            bc = c;
          }
        }
      }
    };
    rescan();
    float chosen = 0.0f;
    for (int64_t j = 0; j < topk; ++j) {  // same trip count in every lane of the warp
      float wv = bv;
      int wc = bc;
      lanes_argmax<kLanes>(wv, wc);
      const float p = expf(wv - m) * inv;
      chosen += p;
      if (active && lane == (int)(j % kLanes)) {
        weights[t * topk + j] = p;
        expert_ids[t * topk + j] = wc;
      }
      if (bc == wc && bc != kNone) {  // this lane's candidate was taken
        tv = bv;
        tc = bc;
        rescan();
      }
    }
    // Each lane rescales the weights it wrote itself.
    if (renormalize != 0 && active) {
      const float rs = 1.0f / chosen;
      for (int64_t j = lane; j < topk; j += kLanes) weights[t * topk + j] *= rs;
    }
  }
}

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT logits, float* FOUNDRY_RESTRICT weights,
                                       int32_t* FOUNDRY_RESTRICT expert_ids, int64_t tokens, int64_t experts,
                                       int64_t topk, int64_t renormalize) {
  if (experts <= (int64_t)kLanes * kItems)
    gate_rows<true>(logits, weights, expert_ids, tokens, experts, topk, renormalize);
  else
    gate_rows<false>(logits, weights, expert_ids, tokens, experts, topk, renormalize);
}
