// ---
// id: kv_append_rowcopy
// op: kv_append
// backend: cpu
// summary: plain element loops writing the keys then the values of ROWS_PER_BLOCK tokens per block into their slots
// knobs:
//   ROWS_PER_BLOCK: [1, 2, 4, 8]
//   THREADS: [1, 2, 4]
// launch:
//   grid: cdiv(tokens, ROWS_PER_BLOCK)
//   threads: THREADS
// ---
static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT k_new,
                          const T* FOUNDRY_RESTRICT v_new, const int32_t* FOUNDRY_RESTRICT slots,
                          T* FOUNDRY_RESTRICT k_cache, T* FOUNDRY_RESTRICT v_cache, int64_t tokens,
                          int64_t cache_slots, int64_t width) {
  (void)num_blocks;
  (void)cache_slots;
  const int64_t t_begin = block * {{ROWS_PER_BLOCK}};
  const int64_t t_end = t_begin + {{ROWS_PER_BLOCK}} < tokens ? t_begin + {{ROWS_PER_BLOCK}} : tokens;
  for (int64_t t = t_begin; t < t_end; ++t) {
    const int64_t slot = slots[t];
    for (int64_t c = 0; c < width; ++c) k_cache[slot * width + c] = k_new[t * width + c];
    for (int64_t c = 0; c < width; ++c) v_cache[slot * width + c] = v_new[t * width + c];
  }
}
