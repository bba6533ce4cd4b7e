// ---
// id: topk_heap
// op: topk
// backend: cpu
// summary: "one pass with a k-entry min-heap of order-preserving integer keys (worst kept entry at the root); VEC-element chunks are skipped with vector integer compares unless one beats the root; O(log k) replacement, heap sort at the end. Ties go to the lower index; -0 ranks below +0, one of the orders allowed among equal values"
// knobs:
//   VEC: [16, 32, 64, 128]
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

// One 32-byte vector of keys (two SSE halves without AVX2); wider GCC vectors
// would have their compares split into scalars, so a chunk is several of these.
typedef tk_key tk_vec __attribute__((vector_size(32)));
#define TK_LANES ((int)(32 / sizeof(tk_key)))
#define TK_BITS (8 * (int)sizeof(tk_key))

// Whether any of the VEC keys at xb is above thr (VEC is a multiple of TK_LANES).
FOUNDRY_INLINE int tk_any_above(const tk_raw* xb, tk_key thr) {
  const tk_vec tv = (tk_vec){} + thr;
  tk_vec m = (tk_vec){};
  for (int j = 0; j < {{VEC}}; j += TK_LANES) {
    tk_vec v;
    memcpy(&v, xb + j, sizeof v);
    v ^= (v >> (TK_BITS - 1)) & (tk_key)~((uint32_t)1 << (TK_BITS - 1));
    m |= v > tv;
  }
  uint64_t w[4];
  memcpy(w, &m, sizeof m);
  return (w[0] | w[1] | w[2] | w[3]) != 0;
}

// a ranks below b: smaller key, or equal key and larger index.
FOUNDRY_INLINE int tk_worse(tk_key ka, int32_t ia, tk_key kb, int32_t ib) { return ka < kb || (ka == kb && ia > ib); }

// Restores the min-heap (worst at the root) below position p in a heap of n entries.
FOUNDRY_INLINE void tk_sift(tk_key* keys, int32_t* idx, int64_t n, int64_t p) {
  const tk_key key = keys[p];
  const int32_t id = idx[p];
  for (;;) {
    int64_t ch = 2 * p + 1;
    if (ch >= n) break;
    if (ch + 1 < n && tk_worse(keys[ch + 1], idx[ch + 1], keys[ch], idx[ch])) ++ch;
    if (!tk_worse(keys[ch], idx[ch], key, id)) break;
    keys[p] = keys[ch];
    idx[p] = idx[ch];
    p = ch;
  }
  keys[p] = key;
  idx[p] = id;
}

static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT x, T* FOUNDRY_RESTRICT values,
                          int32_t* FOUNDRY_RESTRICT indices, int64_t rows, int64_t cols, int64_t k) {
  (void)num_blocks;
  const int64_t r_begin = block * {{ROWS_PER_BLOCK}};
  const int64_t r_end = r_begin + {{ROWS_PER_BLOCK}} < rows ? r_begin + {{ROWS_PER_BLOCK}} : rows;
  const int64_t kk = k < cols ? k : cols;
  if (kk <= 0) return;
  tk_key keys[kk];
  for (int64_t r = r_begin; r < r_end; ++r) {
    const T* xr = x + r * cols;
    const tk_raw* xb = (const tk_raw*)xr;
    T* vr = values + r * k;
    int32_t* ir = indices + r * k;
    int64_t c = 0;
    for (; c < kk; ++c) {
      keys[c] = tk_of(xb[c]);
      ir[c] = (int32_t)c;
    }
    for (int64_t p = kk / 2 - 1; p >= 0; --p) tk_sift(keys, ir, kk, p);
    // Later columns have larger indices, so an equal key never beats the root.
    for (; c + {{VEC}} <= cols; c += {{VEC}}) {
      const tk_key thr = keys[0];
      if (!tk_any_above(xb + c, thr)) continue;
      for (int i = 0; i < {{VEC}}; ++i) {
        const tk_key key = tk_of(xb[c + i]);
        if (key > keys[0]) {
          keys[0] = key;
          ir[0] = (int32_t)(c + i);
          tk_sift(keys, ir, kk, 0);
        }
      }
    }
    for (; c < cols; ++c) {
      const tk_key key = tk_of(xb[c]);
      if (key > keys[0]) {
        keys[0] = key;
        ir[0] = (int32_t)c;
        tk_sift(keys, ir, kk, 0);
      }
    }
    // Heap sort: moving the worst to the back leaves the list best first.
    for (int64_t end = kk - 1; end > 0; --end) {
      const tk_key tk = keys[0];
      const int32_t ti = ir[0];
      keys[0] = keys[end];
      ir[0] = ir[end];
      keys[end] = tk;
      ir[end] = ti;
      tk_sift(keys, ir, end, 0);
    }
    for (int64_t j = 0; j < kk; ++j) vr[j] = xr[ir[j]];
  }
}
