// ---
// id: moe_pack_scan
// op: moe_pack
// backend: cuda
// summary: "one block, a stable multi-split: warp w owns a contiguous run of slots (whole 32-slot rows); pass 1 counts each (expert, warp) pair with shared-memory atomics, ITEMS coalesced id loads in flight per lane; a block-wide exclusive scan over the counts in (expert, warp) order gives every warp its start inside every expert group (expert_offsets are the warp-0 starts); pass 2 re-reads the ids, ranks equal experts inside each 32-slot row with __match_any_sync and writes each slot at its warp's cursor plus its rank, the row's leader then advancing the cursor; counters take (experts * THREADS/32 + 32) * 4 bytes of shared memory"
// knobs:
//   THREADS: [128, 256, 512, 1024]
//   ITEMS: [1, 4, 8]
// constraints:
//   - (experts * THREADS / 32 + 32) * 4 <= 49152
// launch:
//   grid: 1
//   threads: THREADS
//   smem: (experts * THREADS / 32 + 32) * 4
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}})
#define WARPS ({{THREADS}} / 32)

__device__ __forceinline__ void kernel(const int32_t* FOUNDRY_RESTRICT expert_ids, int32_t* FOUNDRY_RESTRICT expert_offsets,
                                       int32_t* FOUNDRY_RESTRICT sorted_slots, int64_t tokens, int64_t experts,
                                       int64_t topk) {
  // cnt[e * WARPS + w]: slots of warp w routed to expert e, later where they start.
  extern __shared__ int32_t smem[];
  if (blockIdx.x != 0) return;
  const int n = (int)(tokens * topk), ne = (int)experts;
  const int len = ne * WARPS;
  int32_t* cnt = smem;
  int32_t* wsum = smem + len;  // WARPS partial sums of the scan
  const int tid = threadIdx.x, w = tid >> 5, lane = tid & 31;
  const unsigned below = (1u << lane) - 1u;

  for (int i = tid; i < len; i += {{THREADS}}) cnt[i] = 0;
  __syncthreads();

  // Warp w's slots: [s0, s1), whole 32-slot rows except at the end of the slots.
  const int seg = ((n + WARPS - 1) / WARPS + 31) & ~31;
  const int s0 = min(w * seg, n), s1 = min(s0 + seg, n);

  // Pass 1: counts per (expert, warp).
  for (int b = s0; b < s1; b += 32 * {{ITEMS}}) {
    int e[{{ITEMS}}];
#pragma unroll
    for (int u = 0; u < {{ITEMS}}; ++u) {
      const int s = b + u * 32 + lane;
      e[u] = s < s1 ? __ldg(expert_ids + s) : -1;
    }
#pragma unroll
    for (int u = 0; u < {{ITEMS}}; ++u)
      if (e[u] >= 0) atomicAdd(&cnt[e[u] * WARPS + w], 1);
  }
  __syncthreads();

  // Block-wide exclusive scan of cnt: each thread owns a contiguous piece.
  {
    const int per = (len + {{THREADS}} - 1) / {{THREADS}};
    const int k0 = min(tid * per, len), k1 = min(k0 + per, len);
    int local = 0;
    for (int i = k0; i < k1; ++i) local += cnt[i];
    int incl = local;
#pragma unroll
    for (int o = 1; o < 32; o <<= 1) {
      const int y = __shfl_up_sync(0xffffffffu, incl, o);
      if (lane >= o) incl += y;
    }
    if (lane == 31) wsum[w] = incl;
    __syncthreads();
    if (w == 0) {
      const int v = lane < WARPS ? wsum[lane] : 0;
      int vi = v;
#pragma unroll
      for (int o = 1; o < 32; o <<= 1) {
        const int y = __shfl_up_sync(0xffffffffu, vi, o);
        if (lane >= o) vi += y;
      }
      if (lane < WARPS) wsum[lane] = vi - v;
    }
    __syncthreads();
    int run = wsum[w] + incl - local;
    for (int i = k0; i < k1; ++i) {
      const int c = cnt[i];
      cnt[i] = run;
      run += c;
    }
  }
  __syncthreads();

  for (int e = tid; e < ne; e += {{THREADS}}) expert_offsets[e] = cnt[e * WARPS];
  if (tid == 0) expert_offsets[ne] = n;

  // Pass 2: stable scatter, one 32-slot row of the warp at a time.
  for (int b = s0; b < s1; b += 32 * {{ITEMS}}) {
    int e[{{ITEMS}}];
#pragma unroll
    for (int u = 0; u < {{ITEMS}}; ++u) {
      const int s = b + u * 32 + lane;
      e[u] = s < s1 ? __ldg(expert_ids + s) : -1;
    }
#pragma unroll
    for (int u = 0; u < {{ITEMS}}; ++u) {
      // Lanes past s1 carry -1 and match only each other.
      const unsigned peers = __match_any_sync(0xffffffffu, e[u]);
      const bool leader = (peers & below) == 0;
      int32_t* c = e[u] >= 0 ? &cnt[e[u] * WARPS + w] : nullptr;
      if (c) sorted_slots[*c + __popc(peers & below)] = b + u * 32 + lane;
      __syncwarp();
      if (c && leader) *c += __popc(peers);
      __syncwarp();
    }
  }
}
