// ---
// id: kv_append_plain
// op: kv_append
// backend: cuda
// summary: one thread per new element (grid-stride loop) writing its key and its value into the token's cache slot, scalar loads and stores; other slots are never touched; correct for every shape
// knobs:
//   THREADS: [128, 256, 512]
// launch:
//   grid: cdiv(tokens * width, THREADS)
//   threads: THREADS
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}})

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT k_new, const T* FOUNDRY_RESTRICT v_new,
                                       const int32_t* FOUNDRY_RESTRICT slots, T* FOUNDRY_RESTRICT k_cache,
                                       T* FOUNDRY_RESTRICT v_cache, int64_t tokens, int64_t cache_slots,
                                       int64_t width) {
  (void)cache_slots;
  const int64_t total = tokens * width;
  const int64_t stride = (int64_t)gridDim.x * {{THREADS}};
  for (int64_t e = (int64_t)blockIdx.x * {{THREADS}} + threadIdx.x; e < total; e += stride) {
    const int64_t t = e / width, c = e - t * width;
    const int64_t o = (int64_t)slots[t] * width + c;
    k_cache[o] = k_new[e];
    v_cache[o] = v_new[e];
  }
}
