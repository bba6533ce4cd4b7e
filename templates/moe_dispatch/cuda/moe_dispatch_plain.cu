// ---
// id: moe_dispatch_plain
// op: moe_dispatch
// backend: cuda
// summary: one thread per output element (grid-stride loop) copying from the token row sorted_slots[i] / topk, scalar loads and stores; correct for every shape
// knobs:
//   THREADS: [128, 256, 512]
// launch:
//   grid: cdiv(tokens * topk * hidden, THREADS)
//   threads: THREADS
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}})

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT x, const int32_t* FOUNDRY_RESTRICT sorted_slots,
                                       T* FOUNDRY_RESTRICT x_sorted, int64_t tokens, int64_t hidden, int64_t topk) {
  const int64_t total = tokens * topk * hidden;
  const int64_t stride = (int64_t)gridDim.x * {{THREADS}};
  for (int64_t e = (int64_t)blockIdx.x * {{THREADS}} + threadIdx.x; e < total; e += stride) {
    const int64_t i = e / hidden, c = e - i * hidden;
    const int64_t token = (int64_t)sorted_slots[i] / topk;
    x_sorted[e] = x[token * hidden + c];
  }
}
