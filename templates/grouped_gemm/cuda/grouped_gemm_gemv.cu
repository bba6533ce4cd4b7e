// ---
// id: grouped_gemm_gemv
// op: grouped_gemm
// backend: cuda
// summary: weight-streaming kernel for few rows per expert (decode); one block per (expert, BN columns), threads split k and own 16-byte column vectors of w[e] (read once per R-row chunk, coalesced), R rows of x accumulated at once in registers; U k-rows per thread per batch with every load of the batch issued before its multiply-adds (THREADS * U 16-byte w vectors in flight per block, a whole 64 KB tile at THREADS=512 U=8); k-split partials reduced by shuffles then shared memory; scalar path when n_dim is not a multiple of 16 bytes
// knobs:
//   BN: [16, 32, 64, 128]
//   THREADS: [128, 256, 512]
//   R: [1, 2, 4, 8]
//   U: [1, 2, 4, 8]
// constraints:
//   - R * THREADS <= 2048
//   - THREADS * (R * 8 + U * 4 + R * U + 40) <= 65536
// launch:
//   grid: experts * cdiv(n_dim, BN)
//   threads: THREADS
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}}, 1)

constexpr int kBN = {{BN}}, kThreads = {{THREADS}}, kR = {{R}}, kU = {{U}};
constexpr int kVecFull = 16 / (int)sizeof(T);

// Columns per thread V: the thread owns columns c*V .. c*V+V-1 of the block's kBN;
// kCT = kBN / V column threads, kKS = kThreads / kCT k-splits (interleaved over k).
template <int V>
struct Layout {
  static constexpr int kCT = kBN / V;
  static constexpr int kKS = kThreads / kCT;
};

template <int V, bool VECTOR>
static __device__ __forceinline__ void expert_cols(const T* x, const T* we, T* y, int64_t lo, int64_t hi,
                                                   int64_t n0, int64_t k_dim, int64_t n_dim, float* red) {
  constexpr int kCT = Layout<V>::kCT, kKS = Layout<V>::kKS;
  const int tid = threadIdx.x, lane = tid % 32, warp = tid / 32;
  const int c = tid % kCT, ks = tid / kCT;
  const int64_t col = n0 + (int64_t)c * V;
  const bool col_in = col < n_dim;  // VECTOR: n_dim % V == 0, so the whole vector is in or out
  for (int64_t r0 = lo; r0 < hi; r0 += kR) {  // same trip count in the whole block
    const int nr = (int)(hi - r0 < kR ? hi - r0 : kR);
    float acc[kR][V];
#pragma unroll
    for (int r = 0; r < kR; ++r)
#pragma unroll
      for (int e = 0; e < V; ++e) acc[r][e] = 0.0f;
    const T* xr = x + r0 * k_dim;
    // U k-rows per thread per batch: every w load (and x load) of the batch is issued
    // before the first multiply-add, so a block keeps THREADS * U vectors in flight.
#pragma unroll 1
    for (int64_t kb = ks; kb < k_dim; kb += (int64_t)kKS * kU) {
      Vec<V> raw[kU];
      float xv[kU][kR];
#pragma unroll
      for (int u = 0; u < kU; ++u) {
        const int64_t k = kb + (int64_t)u * kKS;
        const bool k_in = k < k_dim;
        if constexpr (VECTOR) {
          if (k_in && col_in) {
            raw[u] = load_vec<V>(we + k * n_dim + col);
          } else {
#pragma unroll
            for (int e = 0; e < V; ++e) raw[u].v[e] = from_f(0.0f);
          }
        } else {
#pragma unroll
          for (int e = 0; e < V; ++e) raw[u].v[e] = k_in && col + e < n_dim ? we[k * n_dim + col + e] : from_f(0.0f);
        }
#pragma unroll
        for (int r = 0; r < kR; ++r) xv[u][r] = k_in && r < nr ? to_f(xr[r * k_dim + k]) : 0.0f;
      }
#pragma unroll
      for (int u = 0; u < kU; ++u) {
#pragma unroll
        for (int e = 0; e < V; ++e) {
          const float wv = to_f(raw[u].v[e]);
#pragma unroll
          for (int r = 0; r < kR; ++r) acc[r][e] = fmaf(xv[u][r], wv, acc[r][e]);
        }
      }
    }
    // k-splits inside a warp (lanes kCT apart) first, then across warps through red[warp][column].
#pragma unroll
    for (int r = 0; r < kR; ++r) {
      if (r >= nr) break;  // uniform
#pragma unroll
      for (int e = 0; e < V; ++e) {
        float v = acc[r][e];
#pragma unroll
        for (int o = 16; o >= kCT; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
        acc[r][e] = v;
      }
      __syncthreads();  // red[] is free again
      if (lane < kCT || kCT >= 32) {
#pragma unroll
        for (int e = 0; e < V; ++e) red[warp * kBN + c * V + e] = acc[r][e];
      }
      __syncthreads();
      if (tid < kBN && n0 + tid < n_dim) {
        float s = 0.0f;
        constexpr int kWarps = kThreads / 32;
        constexpr int kWarpsPerSplitSet = kCT > 32 ? kCT / 32 : 1;  // warps that hold different columns
#pragma unroll 1
        for (int w = tid / V / 32 % kWarpsPerSplitSet; w < kWarps; w += kWarpsPerSplitSet)
          s += red[w * kBN + tid];
        y[(r0 + r) * n_dim + n0 + tid] = from_f(s);
      }
    }
  }
}

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT x, const T* FOUNDRY_RESTRICT w,
                                       const int32_t* FOUNDRY_RESTRICT expert_offsets, T* FOUNDRY_RESTRICT y,
                                       int64_t total_rows, int64_t experts, int64_t k_dim, int64_t n_dim) {
  __shared__ float red[kThreads / 32 * kBN];
  auto clamp_row = [&](int64_t v) { return v < 0 ? (int64_t)0 : (v > total_rows ? total_rows : v); };

  // Rows in no expert's group stay 0, as in the reference.
  {
    const int64_t first = clamp_row(expert_offsets[0]);
    int64_t last = clamp_row(expert_offsets[experts]);
    if (last < first) last = first;
    const int64_t loose = (first + total_rows - last) * n_dim;
    for (int64_t q = (int64_t)blockIdx.x * kThreads + threadIdx.x; q < loose; q += (int64_t)gridDim.x * kThreads) {
      const int64_t u = q / n_dim, row = u < first ? u : last + (u - first);
      y[row * n_dim + q % n_dim] = from_f(0.0f);
    }
  }

  const int64_t n_chunks = (n_dim + kBN - 1) / kBN;
  const bool vec_ok = n_dim % kVecFull == 0;
  for (int64_t b = blockIdx.x; b < experts * n_chunks; b += gridDim.x) {  // uniform per block
    const int64_t e = b / n_chunks, n0 = (b % n_chunks) * kBN;
    const int64_t lo = clamp_row(expert_offsets[e]), hi = clamp_row(expert_offsets[e + 1]);
    if (hi <= lo) continue;  // idle expert: its weights are never read
    const T* we = w + e * k_dim * n_dim;
    if (vec_ok)
      expert_cols<kVecFull, true>(x, we, y, lo, hi, n0, k_dim, n_dim, red);
    else
      expert_cols<1, false>(x, we, y, lo, hi, n0, k_dim, n_dim, red);
  }
}
