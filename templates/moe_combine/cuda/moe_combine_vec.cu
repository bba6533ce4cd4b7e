// ---
// id: moe_combine_vec
// op: moe_combine
// backend: cuda
// summary: "ROWS tokens per block, each combined by a group of THREADS/ROWS threads with VEC-element accesses (16 bytes for VEC=8 in f16/bf16, VEC=4 in f32; 32 bytes as two accesses for VEC=8 in f32) and VEC float accumulators; the tokens' expert row offsets and weights are staged in shared memory, the topk expert rows are loaded KB at a time (KB loads in flight per thread) and summed in expert order with fma; CS=1 stores with the evict-first hint; grid-stride over token groups"
// knobs:
//   VEC: [2, 4, 8]
//   ROWS: [1, 2, 4, 8]
//   THREADS: [128, 256, 512, 1024]
//   KB: [1, 2, 4, 8]
//   CS: [0, 1]
// constraints:
//   - hidden % VEC == 0
// launch:
//   grid: cdiv(tokens, ROWS)
//   threads: THREADS
//   smem: ROWS * topk * 12
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}}, 1)

// Raw<Bytes> (prelude): Bytes bytes per access, read-only loads, optional evict-first stores.

#define GROUP ({{THREADS}} / {{ROWS}})
typedef Raw<{{VEC}} * (int)sizeof(T)> R;

// acc[q] += w * x[q] over the VEC elements of one access.
static __device__ __forceinline__ void fma_vec(float* acc, float w, const R& x) {
  const T* e = reinterpret_cast<const T*>(&x);
#pragma unroll
  for (int q = 0; q < {{VEC}}; ++q) acc[q] = fmaf(w, to_f(e[q]), acc[q]);
}

static __device__ __forceinline__ void store_acc(T* p, const float* acc) {
  R y;
  T* e = reinterpret_cast<T*>(&y);
#pragma unroll
  for (int q = 0; q < {{VEC}}; ++q) e[q] = from_f(acc[q]);
  y.store(p, {{CS}});
}

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT y_sorted, const int32_t* FOUNDRY_RESTRICT slot_to_row,
                                       const float* FOUNDRY_RESTRICT weights, T* FOUNDRY_RESTRICT out, int64_t tokens,
                                       int64_t hidden, int64_t topk) {
  // Per group: topk element offsets of its token's expert rows, then (after all
  // groups' offsets) the topk weights.
  extern __shared__ int64_t smem_off[];
  const int k = (int)topk;
  float* smem_w = reinterpret_cast<float*>(smem_off + {{ROWS}} * k);
  const int g = threadIdx.x / GROUP, lane = threadIdx.x % GROUP;
  const int nv = (int)(hidden / {{VEC}});  // accesses per row
  int64_t* off = smem_off + g * k;
  float* wt = smem_w + g * k;
  // The trip count is the same for the whole block (barriers inside).
  for (int64_t t0 = (int64_t)blockIdx.x * {{ROWS}}; t0 < tokens; t0 += (int64_t)gridDim.x * {{ROWS}}) {
    const int64_t t = t0 + g;
    const bool live = t < tokens;
    if (live)
      for (int j = lane; j < k; j += GROUP) {
        off[j] = (int64_t)__ldg(slot_to_row + t * topk + j) * hidden;
        wt[j] = __ldg(weights + t * topk + j);
      }
    __syncthreads();
    if (live) {
      T* o = out + t * hidden;
#pragma unroll 1
      for (int v = lane; v < nv; v += GROUP) {
        const T* y = y_sorted + (int64_t)v * {{VEC}};
        float acc[{{VEC}}];
#pragma unroll
        for (int q = 0; q < {{VEC}}; ++q) acc[q] = 0.0f;
#pragma unroll 1
        for (int j0 = 0; j0 < k; j0 += {{KB}}) {
          R x[{{KB}}];
#pragma unroll
          for (int u = 0; u < {{KB}}; ++u)
            if (j0 + u < k) x[u] = R::load(y + off[j0 + u]);
#pragma unroll
          for (int u = 0; u < {{KB}}; ++u)
            if (j0 + u < k) fma_vec(acc, wt[j0 + u], x[u]);
        }
        store_acc(o + (int64_t)v * {{VEC}}, acc);
      }
    }
    __syncthreads();  // the next tokens' offsets overwrite these
  }
}
