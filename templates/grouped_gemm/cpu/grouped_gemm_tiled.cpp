// ---
// id: grouped_gemm_tiled
// op: grouped_gemm
// backend: cpu
// summary: a block is one (expert, TILE_M row tile, TILE_N column tile) - grid is an upper bound on row tiles (cdiv(total_rows, TILE_M) + experts) times column tiles, surplus blocks return; per TILE_K slice the w panel is packed to float in NR-column strips and the x rows to float, then an MR x (NV*VL) register-tile microkernel (i-k-j, VL-lane float vectors - 8 with AVX2, 16 with AVX-512 - FMA) accumulates into a float tile; zero-padded strips handle column tails, 4/2/1-row microkernels handle row tails; row tiles of at most DIRECT_M rows (decode - weight-bound) skip packing and stream each w row segment once through all their rows; PREFETCH software-prefetches w row segments that many k rows ahead (the segments are short and a row apart, which hardware prefetchers follow poorly)
// knobs:
//   TILE_M: [16, 32, 64, 128]
//   TILE_N: [64, 128, 256]
//   TILE_K: [64, 128, 256, 512]
//   MR: [1, 2, 4, 6]
//   NV: [1, 2]
//   DIRECT_M: [0, 2, 8]
//   PREFETCH: [0, 4, 16]
//   THREADS: [1, 2, 4]
// constraints:
//   - TILE_N % (16 * NV) == 0
//   - TILE_M * TILE_K + TILE_K * TILE_N + TILE_M * TILE_N <= 131072
// launch:
//   grid: (cdiv(total_rows, TILE_M) + experts) * cdiv(n_dim, TILE_N)
//   threads: THREADS
// ---
#include <immintrin.h>

#define TM {{TILE_M}}
#define TN {{TILE_N}}
#define TK {{TILE_K}}
#define NV {{NV}}
#if defined(__AVX512F__)
#define VL 16
#else
#define VL 8
#endif
#define NR (VL * NV)

typedef float vfloat __attribute__((vector_size(VL * sizeof(float))));

FOUNDRY_INLINE vfloat ld(const float* p) {
  vfloat v;
  memcpy(&v, p, sizeof(v));
  return v;
}
FOUNDRY_INLINE void st(float* p, vfloat v) { memcpy(p, &v, sizeof(v)); }

// VL elements of T as float lanes: one vector load and a vector conversion.
FOUNDRY_INLINE vfloat load_t(const T* p) {
  vfloat v;
#if defined(FOUNDRY_DTYPE_F32)
  memcpy(&v, p, sizeof(v));
#elif defined(FOUNDRY_DTYPE_F16) && defined(__F16C__)
  // F16C, 8 halves at a time (GCC's generic _Float16 vector conversion goes lane by lane).
  for (int i = 0; i < VL; i += 8) {
    const __m256 f = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(p + i)));
    memcpy((char*)&v + i * sizeof(float), &f, sizeof(f));
  }
#elif defined(FOUNDRY_DTYPE_F16)
  for (int i = 0; i < VL; ++i) v[i] = to_f(p[i]);
#else
  typedef uint16_t vu16 __attribute__((vector_size(VL * sizeof(uint16_t))));
  typedef uint32_t vu32 __attribute__((vector_size(VL * sizeof(uint32_t))));
  vu16 h;
  memcpy(&h, p, sizeof(h));
  const vu32 u = __builtin_convertvector(h, vu32) << 16;
  memcpy(&v, &u, sizeof(v));
#endif
  return v;
}

// VL float lanes stored as T, rounding like from_f (nearest-even).
FOUNDRY_INLINE void store_t(T* p, vfloat v) {
#if defined(FOUNDRY_DTYPE_F32)
  memcpy(p, &v, sizeof(v));
#elif defined(FOUNDRY_DTYPE_F16) && defined(__F16C__)
  for (int i = 0; i < VL; i += 8) {
    __m256 f;
    memcpy(&f, (const char*)&v + i * sizeof(float), sizeof(f));
    _mm_storeu_si128((__m128i*)(p + i), _mm256_cvtps_ph(f, _MM_FROUND_TO_NEAREST_INT));
  }
#elif defined(FOUNDRY_DTYPE_F16)
  for (int i = 0; i < VL; ++i) p[i] = from_f(v[i]);
#else
  typedef uint16_t vu16 __attribute__((vector_size(VL * sizeof(uint16_t))));
  typedef uint32_t vu32 __attribute__((vector_size(VL * sizeof(uint32_t))));
  vu32 u;
  memcpy(&u, &v, sizeof(u));
  const vu32 nan = (u & 0x7fffffffu) > 0x7f800000u;
  const vu32 r = nan ? ((u >> 16) | 0x40u) : ((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
  const vu16 h = __builtin_convertvector(r, vu16);
  memcpy(p, &h, sizeof(h));
#endif
}

// acc[R rows, NR cols] (row stride TN) += xp[R rows, kc] (row stride TK) * strip[kc, NR].
template <int R>
FOUNDRY_INLINE void micro(const float* FOUNDRY_RESTRICT xp, const float* FOUNDRY_RESTRICT strip, int64_t kc,
                          float* FOUNDRY_RESTRICT acc) {
  vfloat c[R][NV];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) c[r][v] = ld(acc + r * TN + v * VL);
  for (int64_t k = 0; k < kc; ++k) {
    vfloat b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) b[v] = ld(strip + k * NR + v * VL);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const float a = xp[r * TK + k];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) c[r][v] += a * b[v];
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) st(acc + r * TN + v * VL, c[r][v]);
}

static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT x,
                          const T* FOUNDRY_RESTRICT w, const int32_t* FOUNDRY_RESTRICT expert_offsets,
                          T* FOUNDRY_RESTRICT y, int64_t total_rows, int64_t experts, int64_t k_dim, int64_t n_dim) {
  (void)num_blocks;
  // Column tile major, so each thread's contiguous range of blocks holds whole
  // column tiles with their share of surplus (empty) row tiles.
  const int64_t row_tiles = (total_rows + TM - 1) / TM + experts;
  const int64_t nt = block / row_tiles;
  int64_t t = block % row_tiles;
  int64_t e = 0;
  for (; e < experts; ++e) {
    const int64_t tiles_e = (expert_offsets[e + 1] - expert_offsets[e] + TM - 1) / TM;
    if (t < tiles_e) break;
    t -= tiles_e;
  }
  if (e == experts) return;
  const int64_t m0 = expert_offsets[e] + t * TM;
  const int64_t mc = expert_offsets[e + 1] - m0 < TM ? expert_offsets[e + 1] - m0 : TM;
  const int64_t n0 = nt * TN;
  const int64_t nc = n_dim - n0 < TN ? n_dim - n0 : TN;
  const int64_t ncp = (nc + NR - 1) / NR * NR;

  float acc[TM * TN] __attribute__((aligned(64)));
  float wp[TK * TN] __attribute__((aligned(64)));  // strips of NR columns, each [kc, NR]
  float xp[TM * TK] __attribute__((aligned(64)));
  for (int64_t r = 0; r < mc; ++r)
    for (int64_t n = 0; n < ncp; ++n) acc[r * TN + n] = 0.0f;

  const T* we = w + e * k_dim * n_dim + n0;
  if (mc <= {{DIRECT_M}}) {
    // Few rows: read each w row segment once, straight from memory, into all rows' accumulators.
    for (int64_t k = 0; k < k_dim; ++k) {
      const T* wr = we + k * n_dim;
#if {{PREFETCH}}
      if (k + {{PREFETCH}} < k_dim)
        for (int64_t n = 0; n < nc; n += 64 / (int64_t)sizeof(T)) __builtin_prefetch(wr + {{PREFETCH}} * n_dim + n);
#endif
      for (int64_t r = 0; r < mc; ++r) {
        const float a = to_f(x[(m0 + r) * k_dim + k]);
        float* ar = acc + r * TN;
        int64_t n = 0;
        for (; n + VL <= nc; n += VL) st(ar + n, ld(ar + n) + a * load_t(wr + n));
        for (; n < nc; ++n) ar[n] += a * to_f(wr[n]);
      }
    }
  }
  for (int64_t k0 = 0; mc > {{DIRECT_M}} && k0 < k_dim; k0 += TK) {
    const int64_t kc = k_dim - k0 < TK ? k_dim - k0 : TK;
    for (int64_t kk = 0; kk < kc; ++kk) {
      const T* wr = we + (k0 + kk) * n_dim;
#if {{PREFETCH}}
      if (k0 + kk + {{PREFETCH}} < k_dim)
        for (int64_t n = 0; n < nc; n += 64 / (int64_t)sizeof(T)) __builtin_prefetch(wr + {{PREFETCH}} * n_dim + n);
#endif
      int64_t n = 0;
      for (; n + NR <= nc; n += NR)
        for (int v = 0; v < NV; ++v) st(wp + n * TK + kk * NR + v * VL, load_t(wr + n + v * VL));
      if (n < ncp)
        for (int i = 0; i < NR; ++i) wp[n * TK + kk * NR + i] = n + i < nc ? to_f(wr[n + i]) : 0.0f;
    }
    for (int64_t r = 0; r < mc; ++r) {
      const T* xr = x + (m0 + r) * k_dim + k0;
      int64_t kk = 0;
      for (; kk + VL <= kc; kk += VL) st(xp + r * TK + kk, load_t(xr + kk));
      for (; kk < kc; ++kk) xp[r * TK + kk] = to_f(xr[kk]);
    }
    for (int64_t j = 0; j < ncp; j += NR) {
      const float* strip = wp + j * TK;
      int64_t r = 0;
      for (; r + {{MR}} <= mc; r += {{MR}}) micro<{{MR}}>(xp + r * TK, strip, kc, acc + r * TN + j);
      // Fewer than MR rows left: 4-, 2- and 1-row microkernels.
      if (4 < {{MR}} && r + 4 <= mc) {
        micro<4>(xp + r * TK, strip, kc, acc + r * TN + j);
        r += 4;
      }
      if (2 < {{MR}} && r + 2 <= mc) {
        micro<2>(xp + r * TK, strip, kc, acc + r * TN + j);
        r += 2;
      }
      if (r < mc) micro<1>(xp + r * TK, strip, kc, acc + r * TN + j);
    }
  }
  for (int64_t r = 0; r < mc; ++r) {
    T* yr = y + (m0 + r) * n_dim + n0;
    int64_t n = 0;
    for (; n + VL <= nc; n += VL) store_t(yr + n, ld(acc + r * TN + n));
    for (; n < nc; ++n) yr[n] = from_f(acc[r * TN + n]);
  }
}
