// ---
// id: moe_dispatch_vec
// op: moe_dispatch
// backend: cuda
// summary: "ROWS output rows per block, each copied from token row sorted_slots[i] / topk by a group of THREADS/ROWS threads with VEC-element accesses (16 bytes for VEC=8 in f16/bf16, VEC=4 in f32; 32 bytes as two accesses for VEC=8 in f32), UNROLL accesses in flight per thread; token rows through the read-only path; CS=1 stores with the evict-first hint; grid-stride over row groups"
// knobs:
//   VEC: [2, 4, 8]
//   ROWS: [1, 2, 4, 8]
//   THREADS: [128, 256, 512]
//   UNROLL: [1, 4]
//   CS: [0, 1]
// constraints:
//   - hidden % VEC == 0
// launch:
//   grid: cdiv(tokens * topk, ROWS)
//   threads: THREADS
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}})

// Raw<Bytes> (prelude): Bytes bytes per access, read-only loads, optional evict-first stores.

#define GROUP ({{THREADS}} / {{ROWS}})
typedef Raw<{{VEC}} * (int)sizeof(T)> R;

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT x, const int32_t* FOUNDRY_RESTRICT sorted_slots,
                                       T* FOUNDRY_RESTRICT x_sorted, int64_t tokens, int64_t hidden, int64_t topk) {
  const int g = threadIdx.x / GROUP, lane = threadIdx.x % GROUP;
  const int nv = (int)(hidden / {{VEC}});  // accesses per row
  const int64_t rows = tokens * topk;
  for (int64_t i = (int64_t)blockIdx.x * {{ROWS}} + g; i < rows; i += (int64_t)gridDim.x * {{ROWS}}) {
    // Slots are non-negative: int32 division is the reference's integer division.
    const T* s = x + (int64_t)(__ldg(sorted_slots + i) / (int)topk) * hidden;
    T* d = x_sorted + i * hidden;
    // UNROLL is the unrolling: keep the compiler from unrolling further.
#pragma unroll 1
    for (int v0 = lane; v0 < nv; v0 += GROUP * {{UNROLL}}) {
      R r[{{UNROLL}}];
#pragma unroll
      for (int u = 0; u < {{UNROLL}}; ++u)
        if (v0 + u * GROUP < nv) r[u] = R::load(s + (int64_t)(v0 + u * GROUP) * {{VEC}});
#pragma unroll
      for (int u = 0; u < {{UNROLL}}; ++u)
        if (v0 + u * GROUP < nv) r[u].store(d + (int64_t)(v0 + u * GROUP) * {{VEC}}, {{CS}});
    }
  }
}
