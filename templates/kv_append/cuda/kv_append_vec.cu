// ---
// id: kv_append_vec
// op: kv_append
// backend: cuda
// summary: "the 2*tokens rows (key and value of each token, adjacent) are copied ROWS per block, each by a group of THREADS/ROWS threads with VEC-element accesses (16 bytes for VEC=8 in f16/bf16, VEC=4 in f32; 32 bytes as two accesses for VEC=8 in f32), UNROLL accesses in flight per thread; CS=1 stores with the evict-first hint; other slots are never touched; grid-stride over row groups"
// knobs:
//   VEC: [2, 4, 8]
//   ROWS: [1, 2, 4, 8]
//   THREADS: [128, 256, 512]
//   UNROLL: [1, 4]
//   CS: [0, 1]
// constraints:
//   - width % VEC == 0
// launch:
//   grid: cdiv(2 * tokens, ROWS)
//   threads: THREADS
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}})

// Raw<Bytes> (prelude): Bytes bytes per access, read-only loads, optional evict-first stores.

#define GROUP ({{THREADS}} / {{ROWS}})
typedef Raw<{{VEC}} * (int)sizeof(T)> R;

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT k_new, const T* FOUNDRY_RESTRICT v_new,
                                       const int32_t* FOUNDRY_RESTRICT slots, T* FOUNDRY_RESTRICT k_cache,
                                       T* FOUNDRY_RESTRICT v_cache, int64_t tokens, int64_t cache_slots,
                                       int64_t width) {
  (void)cache_slots;
  const int g = threadIdx.x / GROUP, lane = threadIdx.x % GROUP;
  const int nv = (int)(width / {{VEC}});  // accesses per row
  // Row r: token r / 2, keys when r is even, values when odd.
  for (int64_t r = (int64_t)blockIdx.x * {{ROWS}} + g; r < 2 * tokens; r += (int64_t)gridDim.x * {{ROWS}}) {
    const int64_t t = r >> 1;
    const bool val = (r & 1) != 0;
    const T* s = (val ? v_new : k_new) + t * width;
    T* d = (val ? v_cache : k_cache) + (int64_t)__ldg(slots + t) * width;
    // UNROLL is the unrolling: keep the compiler from unrolling further.
#pragma unroll 1
    for (int v0 = lane; v0 < nv; v0 += GROUP * {{UNROLL}}) {
      R x[{{UNROLL}}];
#pragma unroll
      for (int u = 0; u < {{UNROLL}}; ++u)
        if (v0 + u * GROUP < nv) x[u] = R::load(s + (int64_t)(v0 + u * GROUP) * {{VEC}});
#pragma unroll
      for (int u = 0; u < {{UNROLL}}; ++u)
        if (v0 + u * GROUP < nv) x[u].store(d + (int64_t)(v0 + u * GROUP) * {{VEC}}, {{CS}});
    }
  }
}
