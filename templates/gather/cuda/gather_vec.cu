// ---
// id: gather_vec
// op: gather
// backend: cuda
// summary: "ROWS output rows per block, each copied by a group of THREADS/ROWS threads with VEC-element accesses (16 bytes for VEC=8 in f16/bf16, VEC=4 in f32; 32 bytes as two accesses for VEC=8 in f32), UNROLL accesses in flight per thread; table rows through the read-only path; CS=1 stores with the evict-first hint; grid-stride over row groups"
// knobs:
//   VEC: [2, 4, 8]
//   ROWS: [1, 2, 4, 8]
//   THREADS: [128, 256, 512]
//   UNROLL: [1, 4]
//   CS: [0, 1]
// constraints:
//   - cols % VEC == 0
// launch:
//   grid: cdiv(n, ROWS)
//   threads: THREADS
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}})

// Raw<Bytes> (prelude): Bytes bytes per access, read-only loads, optional evict-first stores.

#define GROUP ({{THREADS}} / {{ROWS}})
typedef Raw<{{VEC}} * (int)sizeof(T)> R;

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT table, const int32_t* FOUNDRY_RESTRICT idx,
                                       T* FOUNDRY_RESTRICT out, int64_t vocab, int64_t n, int64_t cols) {
  (void)vocab;
  const int g = threadIdx.x / GROUP, lane = threadIdx.x % GROUP;
  const int nv = (int)(cols / {{VEC}});  // accesses per row
  for (int64_t i = (int64_t)blockIdx.x * {{ROWS}} + g; i < n; i += (int64_t)gridDim.x * {{ROWS}}) {
    const T* src = table + (int64_t)__ldg(idx + i) * cols;
    T* dst = out + i * cols;
    // UNROLL is the unrolling: keep the compiler from unrolling further.
#pragma unroll 1
    for (int v0 = lane; v0 < nv; v0 += GROUP * {{UNROLL}}) {
      R r[{{UNROLL}}];
#pragma unroll
      for (int u = 0; u < {{UNROLL}}; ++u)
        if (v0 + u * GROUP < nv) r[u] = R::load(src + (int64_t)(v0 + u * GROUP) * {{VEC}});
#pragma unroll
      for (int u = 0; u < {{UNROLL}}; ++u)
        if (v0 + u * GROUP < nv) r[u].store(dst + (int64_t)(v0 + u * GROUP) * {{VEC}}, {{CS}});
    }
  }
}
