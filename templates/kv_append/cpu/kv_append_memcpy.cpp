// ---
// id: kv_append_memcpy
// op: kv_append
// backend: cpu
// summary: "memcpy per cache row, ROWS_PER_BLOCK tokens per block; SPLIT_KV=1 gives keys and values their own blocks (twice the blocks); STREAM=1 writes cache rows with aligned non-temporal 32-byte stores (AVX)"
// knobs:
//   ROWS_PER_BLOCK: [1, 4, 16, 64]
//   SPLIT_KV: [0, 1]
//   STREAM: [0, 1]
//   THREADS: [1, 2, 4]
// launch:
//   grid: cdiv(tokens, ROWS_PER_BLOCK) * (1 + SPLIT_KV)
//   threads: THREADS
// ---
#include <immintrin.h>

static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT k_new,
                          const T* FOUNDRY_RESTRICT v_new, const int32_t* FOUNDRY_RESTRICT slots,
                          T* FOUNDRY_RESTRICT k_cache, T* FOUNDRY_RESTRICT v_cache, int64_t tokens,
                          int64_t cache_slots, int64_t width) {
  (void)num_blocks;
  (void)cache_slots;
  // With SPLIT_KV the first half of the grid writes keys, the second half values,
  // so each thread streams through one cache at a time.
  const int64_t row_blocks = (tokens + {{ROWS_PER_BLOCK}} - 1) / {{ROWS_PER_BLOCK}};
  const int64_t rb = {{SPLIT_KV}} ? block % row_blocks : block;
  const int do_k = !{{SPLIT_KV}} || block < row_blocks;
  const int do_v = !{{SPLIT_KV}} || block >= row_blocks;
  const int64_t t_begin = rb * {{ROWS_PER_BLOCK}};
  const int64_t t_end = t_begin + {{ROWS_PER_BLOCK}} < tokens ? t_begin + {{ROWS_PER_BLOCK}} : tokens;
  for (int64_t t = t_begin; t < t_end; ++t) {
    const int64_t slot = slots[t];
    if (do_k) copy_row(k_cache + slot * width, k_new + t * width, width, {{STREAM}});
    if (do_v) copy_row(v_cache + slot * width, v_new + t * width, width, {{STREAM}});
  }
#if defined(__AVX__)
  if ({{STREAM}}) store_fence();
#endif
}
