// ---
// id: rope_table
// op: rope
// backend: cuda
// summary: "a block is one token x HEADS_PER_BLOCK heads (grid tokens * cdiv(heads, HEADS_PER_BLOCK)); each thread issues the loads of its first UNROLL work items, then the block builds a cos/sin table of the head_dim/2 angles in shared memory (head_dim*4 bytes) while those loads are in flight: inverse frequency exp2(-(2i/head_dim)*log2(theta)) and angle pos*inv_freq in double, reduced to [-pi, pi] by a double 2*pi step, then sincosf on the reduced float angle, so FAST_MATH's __sincosf is accurate too (angle error ~2e-7 rad at any position); after one __syncthreads every head of the block rotates against the table: a work item is VEC consecutive pairs of one head, two VEC-wide loads (i and i + head_dim/2; 16 bytes at VEC=4 for f32, 8 for f16/bf16), two VEC-wide stores; UNROLL items per thread are loaded before any math. Needs head_dim % (2*VEC) == 0 for aligned halves, so odd head_dims run at VEC=1"
// knobs:
//   THREADS: [64, 128, 256]
//   VEC: [1, 2, 4, 8]
//   HEADS_PER_BLOCK: [1, 4, 32]
//   UNROLL: [1, 2]
//   FAST_MATH: [0, 1]
// constraints:
//   - "head_dim % (2 * VEC) == 0"
// launch:
//   grid: tokens * cdiv(heads, HEADS_PER_BLOCK)
//   threads: THREADS
//   smem: head_dim * 4
// flags_if:
//   FAST_MATH: [--use_fast_math]
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}})
#define RT_THREADS {{THREADS}}
#define RT_VEC {{VEC}}
#define RT_HPB {{HEADS_PER_BLOCK}}
#define RT_UNROLL {{UNROLL}}

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT x, const int32_t* FOUNDRY_RESTRICT positions,
                                       T* FOUNDRY_RESTRICT y, int64_t tokens, int64_t heads, int64_t head_dim,
                                       float theta) {
  extern __shared__ float rt_smem[];  // cos[half], then sin[half]
  (void)tokens;
  const int half = (int)(head_dim / 2);
  const int hblocks = (int)((heads + RT_HPB - 1) / RT_HPB);
  const int64_t t = (int64_t)(blockIdx.x / (unsigned)hblocks);
  const int h0 = (int)(blockIdx.x % (unsigned)hblocks) * RT_HPB;
  const int nh = (int)(heads - h0) < RT_HPB ? (int)(heads - h0) : RT_HPB;
  float* cs = rt_smem;
  float* sn = rt_smem + half;

  const int nvec = half / RT_VEC;  // VEC-pair items per head row
  const int items = nh * nvec;
  const int64_t row0 = (t * heads + h0) * head_dim;
  const T* xb = x + row0;
  T* yb = y + row0;

  // The first UNROLL items' loads are issued before the table is built, so their latency
  // overlaps the sin/cos work.
  Vec<RT_VEC> lo[RT_UNROLL], hi[RT_UNROLL];
  int off[RT_UNROLL], col[RT_UNROLL];
  int w0 = threadIdx.x;
#pragma unroll
  for (int u = 0; u < RT_UNROLL; ++u) {
    const int w = w0 + u * RT_THREADS;
    const int hh = w / nvec;
    col[u] = (w - hh * nvec) * RT_VEC;
    off[u] = hh * (int)head_dim + col[u];
    if (w < items) {
      lo[u] = load_vec<RT_VEC>(xb + off[u]);
      hi[u] = load_vec<RT_VEC>(xb + off[u] + half);
    }
  }

  // Table: angle in double, reduced by whole turns, then float sin/cos on [-pi, pi].
  const double pos = (double)positions[t];
  const double step = -2.0 * log2((double)theta) / (double)head_dim;
  for (int i = threadIdx.x; i < half; i += RT_THREADS) {
    const double a = pos * exp2(step * (double)i);
    const double k = rint(a * 0.15915494309189535);  // whole turns
    const float r = (float)fma(-k, 6.283185307179586, a);
    float s, c;
    sincosf(r, &s, &c);
    cs[i] = c;
    sn[i] = s;
  }
  __syncthreads();

  while (w0 < items) {
#pragma unroll
    for (int u = 0; u < RT_UNROLL; ++u) {
      if (w0 + u * RT_THREADS < items) {
        Vec<RT_VEC> ol, oh;
#pragma unroll
        for (int e = 0; e < RT_VEC; ++e) {
          const float c = cs[col[u] + e], s = sn[col[u] + e];
          const float l = to_f(lo[u].v[e]), h = to_f(hi[u].v[e]);
          ol.v[e] = from_f(l * c - h * s);
          oh.v[e] = from_f(h * c + l * s);
        }
        store_vec<RT_VEC>(yb + off[u], ol);
        store_vec<RT_VEC>(yb + off[u] + half, oh);
      }
    }
    w0 += RT_THREADS * RT_UNROLL;
    if (w0 >= items) break;
#pragma unroll
    for (int u = 0; u < RT_UNROLL; ++u) {
      const int w = w0 + u * RT_THREADS;
      const int hh = w / nvec;
      col[u] = (w - hh * nvec) * RT_VEC;
      off[u] = hh * (int)head_dim + col[u];
      if (w < items) {
        lo[u] = load_vec<RT_VEC>(xb + off[u]);
        hi[u] = load_vec<RT_VEC>(xb + off[u] + half);
      }
    }
  }
}
