// ---
// id: topk_threshold
// op: topk
// backend: cpu
// summary: "one pass keeping a sorted top-k list of order-preserving integer keys (float bits with the magnitude flipped for negatives, 16-bit lanes for f16/bf16); VEC-element chunks are tested against the k-th key with vector integer compares and skipped unless one beats it; insertion sort into the list. Ties go to the lower index; -0 ranks below +0, one of the orders allowed among equal values"
// knobs:
//   VEC: [8, 16, 32, 64]
//   ROWS_PER_BLOCK: [1, 2, 4, 8]
//   THREADS: [1, 2, 4]
// launch:
//   grid: cdiv(rows, ROWS_PER_BLOCK)
//   threads: THREADS
// ---
#if defined(FOUNDRY_DTYPE_F32)
typedef int32_t tk_key;
typedef int32_t __attribute__((may_alias)) tk_raw;
FOUNDRY_INLINE tk_key tk_of(tk_raw b) { return b ^ ((b >> 31) & 0x7fffffff); }
#else
typedef int16_t tk_key;
typedef int16_t __attribute__((may_alias)) tk_raw;
FOUNDRY_INLINE tk_key tk_of(tk_raw b) { return (tk_key)(b ^ ((b >> 15) & 0x7fff)); }
#endif

// Inserts (key, idx) into the descending list of length n (n < capacity or the
// last entry falls off); equal keys stay in index order since idx only grows.
FOUNDRY_INLINE void tk_insert(tk_key* keys, int32_t* idx, int64_t n, tk_key key, int32_t i) {
  int64_t p = n;
  while (p > 0 && keys[p - 1] < key) {
    keys[p] = keys[p - 1];
    idx[p] = idx[p - 1];
    --p;
  }
  keys[p] = key;
  idx[p] = i;
}

static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT x, T* FOUNDRY_RESTRICT values,
                          int32_t* FOUNDRY_RESTRICT indices, int64_t rows, int64_t cols, int64_t k) {
  (void)num_blocks;
  const int64_t r_begin = block * {{ROWS_PER_BLOCK}};
  const int64_t r_end = r_begin + {{ROWS_PER_BLOCK}} < rows ? r_begin + {{ROWS_PER_BLOCK}} : rows;
  const int64_t kk = k < cols ? k : cols;
  if (kk <= 0) return;
  tk_key keys[kk + 1];
  for (int64_t r = r_begin; r < r_end; ++r) {
    const T* xr = x + r * cols;
    const tk_raw* xb = (const tk_raw*)xr;
    T* vr = values + r * k;
    int32_t* ir = indices + r * k;
    int64_t c = 0;
    for (; c < kk; ++c) tk_insert(keys, ir, c, tk_of(xb[c]), (int32_t)c);
    tk_key thr = keys[kk - 1];
    for (; c + {{VEC}} <= cols; c += {{VEC}}) {
      tk_key any = 0;
      for (int i = 0; i < {{VEC}}; ++i) any |= (tk_key)(tk_of(xb[c + i]) > thr);
      if (!any) continue;
      for (int i = 0; i < {{VEC}}; ++i) {
        const tk_key key = tk_of(xb[c + i]);
        if (key > thr) {
          tk_insert(keys, ir, kk - 1, key, (int32_t)(c + i));
          thr = keys[kk - 1];
        }
      }
    }
    for (; c < cols; ++c) {
      const tk_key key = tk_of(xb[c]);
      if (key > thr) {
        tk_insert(keys, ir, kk - 1, key, (int32_t)c);
        thr = keys[kk - 1];
      }
    }
    for (int64_t j = 0; j < kk; ++j) vr[j] = xr[ir[j]];
  }
}
