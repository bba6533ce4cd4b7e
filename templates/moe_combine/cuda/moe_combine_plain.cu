// ---
// id: moe_combine_plain
// op: moe_combine
// backend: cuda
// summary: "one thread per output element (grid-stride loop) summing weights[t,j] * y_sorted[slot_to_row[t*topk+j], c] over j in float, scalar loads and stores; correct for every shape"
// knobs:
//   THREADS: [128, 256, 512]
// launch:
//   grid: cdiv(tokens * hidden, THREADS)
//   threads: THREADS
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}})

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT y_sorted, const int32_t* FOUNDRY_RESTRICT slot_to_row,
                                       const float* FOUNDRY_RESTRICT weights, T* FOUNDRY_RESTRICT out, int64_t tokens,
                                       int64_t hidden, int64_t topk) {
  const int64_t total = tokens * hidden;
  const int64_t stride = (int64_t)gridDim.x * {{THREADS}};
  for (int64_t e = (int64_t)blockIdx.x * {{THREADS}} + threadIdx.x; e < total; e += stride) {
    const int64_t t = e / hidden, c = e - t * hidden;
    float acc = 0.0f;
    for (int64_t j = 0; j < topk; ++j)
      acc = fmaf(weights[t * topk + j], to_f(y_sorted[(int64_t)slot_to_row[t * topk + j] * hidden + c]), acc);
    out[e] = from_f(acc);
  }
}
