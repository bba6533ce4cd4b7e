// ---
// id: moe_pack_multi
// op: moe_pack
// backend: cuda
// summary: "many blocks and no inter-block communication: block b owns the slot chunk [b*THREADS*ITEMS, ...) and first reads every expert id (16-byte loads) into two shared-memory histograms, slots before its chunk and the rest, so it knows each expert's total and how many of its slots precede the chunk; an exclusive scan over the totals gives expert_offsets (written by block 0) and the chunk's start in every expert group; the chunk then goes in ITEMS steps of THREADS slots: __match_any_sync ranks equal experts inside a warp, a per-(warp, expert) count table scanned in warp order per expert places each warp, each slot is written at its place; shared memory (2 + THREADS/32) * experts * 4 bytes"
// knobs:
//   THREADS: [256, 512, 1024]
//   ITEMS: [1, 2, 4, 8, 16]
// constraints:
//   - (2 + THREADS / 32) * experts * 4 <= 200000
// launch:
//   grid: cdiv(tokens * topk, THREADS * ITEMS)
//   threads: THREADS
//   smem: (2 + THREADS / 32) * experts * 4
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}})
#define MP_THREADS {{THREADS}}
#define MP_WARPS ({{THREADS}} / 32)
#define MP_ITEMS {{ITEMS}}

__device__ __forceinline__ void kernel(const int32_t* FOUNDRY_RESTRICT expert_ids, int32_t* FOUNDRY_RESTRICT expert_offsets,
                                       int32_t* FOUNDRY_RESTRICT sorted_slots, int64_t tokens, int64_t experts,
                                       int64_t topk) {
  extern __shared__ int32_t mp_smem[];
  const int n = (int)(tokens * topk), ne = (int)experts;
  const int tid = threadIdx.x, w = tid >> 5, lane = tid & 31;
  const unsigned below = (1u << lane) - 1u;
  const int lo = (int)blockIdx.x * MP_THREADS * MP_ITEMS, hi = min(lo + MP_THREADS * MP_ITEMS, n);
  int32_t* before = mp_smem;      // ids of slots < lo per expert; later the chunk's next place per expert
  int32_t* rest = mp_smem + ne;   // ids of slots >= lo; later the exclusive scan of the totals
  int32_t* wcnt = mp_smem + 2 * ne;  // [warp][expert]: a step's counts, then each warp's place; zero between steps

  for (int i = tid; i < (2 + MP_WARPS) * ne; i += MP_THREADS) mp_smem[i] = 0;
  __syncthreads();

  // Pass 1: every id, four per 16-byte load (the buffer is 256-byte aligned).
  const int n4 = n >> 2;
  const int4* ids4 = reinterpret_cast<const int4*>(expert_ids);
#pragma unroll 4
  for (int v = tid; v < n4; v += MP_THREADS) {
    const int4 q = __ldg(ids4 + v);
    const int s = v << 2;
    atomicAdd((s < lo ? before : rest) + q.x, 1);
    atomicAdd((s + 1 < lo ? before : rest) + q.y, 1);
    atomicAdd((s + 2 < lo ? before : rest) + q.z, 1);
    atomicAdd((s + 3 < lo ? before : rest) + q.w, 1);
  }
  for (int s = (n4 << 2) + tid; s < n; s += MP_THREADS) atomicAdd((s < lo ? before : rest) + __ldg(expert_ids + s), 1);
  __syncthreads();

  // Exclusive scan of the totals by warp 0, 32 experts at a time.
  if (w == 0) {
    int carry = 0;
    for (int e0 = 0; e0 < ne; e0 += 32) {
      const int e = e0 + lane;
      const int b = e < ne ? before[e] : 0;
      const int total = e < ne ? b + rest[e] : 0;
      int incl = total;
#pragma unroll
      for (int o = 1; o < 32; o <<= 1) {
        const int y = __shfl_up_sync(0xffffffffu, incl, o);
        if (lane >= o) incl += y;
      }
      if (e < ne) {
        const int start = carry + incl - total;
        if (blockIdx.x == 0) expert_offsets[e] = start;
        before[e] = start + b;
      }
      carry += __shfl_sync(0xffffffffu, incl, 31);
    }
    if (blockIdx.x == 0 && lane == 0) expert_offsets[ne] = n;
  }
  __syncthreads();

  // Pass 2: the chunk in steps of THREADS slots, in slot order.
  for (int u = 0; u < MP_ITEMS; ++u) {
    const int s = lo + u * MP_THREADS + tid;
    if (lo + u * MP_THREADS >= hi) break;  // the same for the whole block
    const int e = s < hi ? __ldg(expert_ids + s) : -1;
    const unsigned peers = __match_any_sync(0xffffffffu, e);
    const int rank = __popc(peers & below);
    const bool leader = e >= 0 && rank == 0;
    if (leader) wcnt[w * ne + e] = __popc(peers);
    __syncthreads();
    for (int x = tid; x < ne; x += MP_THREADS) {
      int place = before[x];
      for (int v = 0; v < MP_WARPS; ++v) {
        const int c = wcnt[v * ne + x];
        if (c) {
          wcnt[v * ne + x] = place;
          place += c;
        }
      }
      before[x] = place;
    }
    __syncthreads();
    if (e >= 0) sorted_slots[wcnt[w * ne + e] + rank] = s;
    __syncthreads();
    if (leader) wcnt[w * ne + e] = 0;
    __syncwarp();  // another lane of this warp may lead the next step
  }
}
