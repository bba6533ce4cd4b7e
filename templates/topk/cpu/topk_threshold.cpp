// ---
// id: topk_threshold
// op: topk
// backend: cpu
// summary: "sorted top-k list over order-preserving integer keys (float bits with the magnitude flipped for negatives; 16-bit lanes for f16/bf16). BOUND=1 first takes a vector max over lane-strided groups (at least k of them, so their smallest maximum is a lower bound on the k-th largest); the scan tests VEC-element chunks with vector compares against the bound, later the k-th key, skips chunks where nothing qualifies and visits only the flagged lanes (AVX2 movemask) for insertion. Ties go to the lower index; -0 ranks below +0, one of the orders allowed among equal values"
// knobs:
//   VEC: [16, 32, 64]
//   BOUND: [0, 1]
//   ROWS_PER_BLOCK: [1, 2, 4, 8]
//   THREADS: [1, 2, 4]
// launch:
//   grid: cdiv(rows, ROWS_PER_BLOCK)
//   threads: THREADS
// ---
#if defined(__AVX2__)
#include <immintrin.h>
#endif

#if defined(FOUNDRY_DTYPE_F32)
typedef int32_t tk_key;
typedef int32_t __attribute__((may_alias)) tk_raw;
#define TK_MIN INT32_MIN
FOUNDRY_INLINE tk_key tk_of(tk_raw b) { return b ^ ((b >> 31) & 0x7fffffff); }
#else
typedef int16_t tk_key;
typedef int16_t __attribute__((may_alias)) tk_raw;
#define TK_MIN INT16_MIN
FOUNDRY_INLINE tk_key tk_of(tk_raw b) { return (tk_key)(b ^ ((b >> 15) & 0x7fff)); }
#endif

// One 32-byte vector of keys (two SSE halves without AVX2); wider GCC vectors
// would have their compares split into scalars, so a chunk is several of these.
typedef tk_key tk_vec __attribute__((vector_size(32)));
#define TK_LANES ((int)(32 / sizeof(tk_key)))
#define TK_BITS (8 * (int)sizeof(tk_key))
#define TK_NV ({{VEC}} / TK_LANES)

FOUNDRY_INLINE tk_vec tk_load(const tk_raw* p) {
  tk_vec v;
  memcpy(&v, p, sizeof v);
  return v ^ ((v >> (TK_BITS - 1)) & (tk_key) ~((uint32_t)1 << (TK_BITS - 1)));
}

FOUNDRY_INLINE int tk_nonzero(tk_vec m) {
  uint64_t w[4];
  memcpy(w, &m, sizeof m);
  return (w[0] | w[1] | w[2] | w[3]) != 0;
}

// A key every one of the k largest reaches: NV*TK_LANES groups of lanes strided
// over the row (at least kk of them) each contribute their maximum, a distinct
// element, so the smallest of those maxima is at most the kk-th largest key.
FOUNDRY_INLINE tk_key tk_bound_nv(const tk_raw* xb, int64_t cols, const int NV) {
  const int64_t span = NV * TK_LANES;
  tk_vec mx[4];
  for (int g = 0; g < NV; ++g) mx[g] = tk_load(xb + g * TK_LANES);
  for (int64_t c = span; c + span <= cols; c += span)
    for (int g = 0; g < NV; ++g) {
      const tk_vec v = tk_load(xb + c + g * TK_LANES);
      mx[g] = v > mx[g] ? v : mx[g];
    }
  for (int g = 1; g < NV; ++g) mx[0] = mx[g] < mx[0] ? mx[g] : mx[0];
  tk_key b = mx[0][0];
  for (int i = 1; i < TK_LANES; ++i) b = mx[0][i] < b ? mx[0][i] : b;
  return b;
}

// No bound (every key reaches TK_MIN) when more than 4 vectors of groups would
// be needed or the row is too short for the extra pass to pay off.
FOUNDRY_INLINE tk_key tk_bound(const tk_raw* xb, int64_t cols, int64_t kk) {
  if (kk <= TK_LANES && cols >= 8 * TK_LANES) return tk_bound_nv(xb, cols, 1);
  if (kk <= 2 * TK_LANES && cols >= 16 * TK_LANES) return tk_bound_nv(xb, cols, 2);
  if (kk <= 4 * TK_LANES && cols >= 32 * TK_LANES) return tk_bound_nv(xb, cols, 4);
  return (tk_key)TK_MIN;
}

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

// Offers column c: below the bound it cannot be among the k largest; while the
// list is filling every candidate goes in, then only keys above the k-th.
FOUNDRY_INLINE void tk_offer(tk_key* keys, int32_t* idx, int64_t kk, int64_t* n, tk_key bound, tk_key key, int64_t c) {
  if (*n < kk) {
    if (key >= bound) tk_insert(keys, idx, (*n)++, key, (int32_t)c);
  } else if (key > keys[kk - 1]) {
    tk_insert(keys, idx, kk - 1, key, (int32_t)c);
  }
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
    int32_t* ir = indices + r * k;
    const tk_key bound = {{BOUND}} ? tk_bound(xb, cols, kk) : (tk_key)TK_MIN;
    int64_t n = 0, c = 0;
    for (; c + {{VEC}} <= cols; c += {{VEC}}) {
      // Flags keys reaching the bound while the list fills, then keys above the
      // k-th; tk_offer re-checks each flagged key against the current list.
      const int full = n == kk;
      const tk_key t = full ? keys[kk - 1] : bound, eq = full ? 0 : -1;
      const tk_vec tv = (tk_vec){} + t, eq_ok = (tk_vec){} + eq;
      tk_vec m[TK_NV], any = (tk_vec){};
      for (int j = 0; j < TK_NV; ++j) {
        const tk_vec v = tk_load(xb + c + j * TK_LANES);
        m[j] = (v > tv) | ((v == tv) & eq_ok);
        any |= m[j];
      }
      if (!tk_nonzero(any)) continue;
      for (int j = 0; j < TK_NV; ++j) {
        if (!tk_nonzero(m[j])) continue;
        const int64_t base = c + j * TK_LANES;
#if defined(__AVX2__)
        uint32_t bits = (uint32_t)_mm256_movemask_epi8((__m256i)m[j]);
        while (bits) {
          const int lane = __builtin_ctz(bits) / (int)sizeof(tk_key);
          bits &= ~((((uint32_t)1 << sizeof(tk_key)) - 1) << (lane * sizeof(tk_key)));
          tk_offer(keys, ir, kk, &n, bound, tk_of(xb[base + lane]), base + lane);
        }
#else
        for (int i = 0; i < TK_LANES; ++i)
          if (m[j][i]) tk_offer(keys, ir, kk, &n, bound, tk_of(xb[base + i]), base + i);
#endif
      }
    }
    for (; c < cols; ++c) tk_offer(keys, ir, kk, &n, bound, tk_of(xb[c]), c);
    T* vr = values + r * k;
    for (int64_t j = 0; j < kk; ++j) vr[j] = xr[ir[j]];
  }
}
