// ---
// id: moe_pack_plain
// op: moe_pack
// backend: cuda
// summary: "one block: THREADS threads build the expert histogram with shared-memory atomics, then thread 0 alone takes the exclusive prefix sum (written to expert_offsets) and scatters the slots in slot order using the group starts as cursors (stable, serial); correct for every shape whose experts+1 counters fit in 48 KB of shared memory"
// knobs:
//   THREADS: [32, 256, 1024]
// constraints:
//   - (experts + 1) * 4 <= 49152
// launch:
//   grid: 1
//   threads: THREADS
//   smem: (experts + 1) * 4
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}})

__device__ __forceinline__ void kernel(const int32_t* FOUNDRY_RESTRICT expert_ids, int32_t* FOUNDRY_RESTRICT expert_offsets,
                                       int32_t* FOUNDRY_RESTRICT sorted_slots, int64_t tokens, int64_t experts,
                                       int64_t topk) {
  extern __shared__ int32_t cursor[];  // experts entries
  if (blockIdx.x != 0) return;
  const int n = (int)(tokens * topk), ne = (int)experts;
  for (int e = threadIdx.x; e < ne; e += {{THREADS}}) cursor[e] = 0;
  __syncthreads();
  for (int s = threadIdx.x; s < n; s += {{THREADS}}) atomicAdd(&cursor[expert_ids[s]], 1);
  __syncthreads();
  if (threadIdx.x == 0) {
    int run = 0;
    for (int e = 0; e < ne; ++e) {
      const int c = cursor[e];
      cursor[e] = run;
      expert_offsets[e] = run;
      run += c;
    }
    expert_offsets[ne] = run;
    for (int s = 0; s < n; ++s) sorted_slots[cursor[expert_ids[s]]++] = s;
  }
}
