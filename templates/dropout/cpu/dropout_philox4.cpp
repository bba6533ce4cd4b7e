// ---
// id: dropout_philox4
// op: dropout
// backend: cpu
// summary: "one Philox4x32-10 call feeds four consecutive elements (element i uses word i&3 of counter i>>2); LANES counters (a multiple of 8) run side by side in 8-lane integer vectors (32x32->64 multiplies as vpmuludq), their words transposed back into element order by shuffles, then mask and scale as 8-lane float vectors; blocks start on multiples of 4, the tail takes one scalar Philox per group of four; STREAM=1 writes y with non-temporal stores (no read-for-ownership) when the block's output is 8-element aligned"
// knobs:
//   LANES: [8, 16, 32]
//   BLOCK_ELEMS: [4096, 16384, 65536]
//   STREAM: [0, 1]
//   THREADS: [1, 2, 4]
// constraints:
//   - BLOCK_ELEMS % (4 * LANES) == 0
// launch:
//   grid: cdiv(rows * cols, BLOCK_ELEMS)
//   threads: THREADS
// ---

// lo/hi halves of the 32x32 -> 64 products a[l] * m.
FOUNDRY_INLINE void mulhilo8(v8u a, uint32_t m, v8u* lo, v8u* hi) {
#if defined(__AVX2__)
  const __m256i mm = _mm256_set1_epi32((int)m);
  const __m256i pe = _mm256_mul_epu32((__m256i)a, mm);                         // lanes 0, 2, 4, 6
  const __m256i po = _mm256_mul_epu32(_mm256_srli_epi64((__m256i)a, 32), mm);  // lanes 1, 3, 5, 7
  *lo = (v8u)_mm256_blend_epi32(pe, _mm256_slli_epi64(po, 32), 0xAA);
  *hi = (v8u)_mm256_blend_epi32(_mm256_srli_epi64(pe, 32), po, 0xAA);
#else
  for (int l = 0; l < 8; ++l) {
    const uint64_t p = (uint64_t)a[l] * m;
    (*lo)[l] = (uint32_t)p;
    (*hi)[l] = (uint32_t)(p >> 32);
  }
#endif
}

// Philox4x32-10 of 8 consecutive counters c .. c+7 under one key, as foundry_philox;
// the four words come back in element order: out[j] holds counters c+2j, c+2j+1,
// four words each, i.e. the draws of elements 4c+8j .. 4c+8j+7.
FOUNDRY_INLINE void philox8(uint64_t seed, uint64_t c, v8u out[4]) {
  v8u c0, c1;
  for (int l = 0; l < 8; ++l) {
    c0[l] = (uint32_t)(c + (uint64_t)l);
    c1[l] = (uint32_t)((c + (uint64_t)l) >> 32);
  }
  v8u c2 = {0}, c3 = {0};
  uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
  for (int r = 0; r < 10; ++r) {
    v8u lo0, hi0, lo1, hi1;
    mulhilo8(c0, 0xD2511F53u, &lo0, &hi0);
    mulhilo8(c2, 0xCD9E8D57u, &lo1, &hi1);
    const v8u n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  // 4 x 8 transpose into element order.
  const v8i lo_pairs = {0, 8, 1, 9, 2, 10, 3, 11}, hi_pairs = {4, 12, 5, 13, 6, 14, 7, 15};
  const v8u a = __builtin_shuffle(c0, c1, lo_pairs), b = __builtin_shuffle(c2, c3, lo_pairs);
  const v8u cc = __builtin_shuffle(c0, c1, hi_pairs), d = __builtin_shuffle(c2, c3, hi_pairs);
  const v8i first = {0, 1, 8, 9, 2, 3, 10, 11}, second = {4, 5, 12, 13, 6, 7, 14, 15};
  out[0] = __builtin_shuffle(a, b, first);
  out[1] = __builtin_shuffle(a, b, second);
  out[2] = __builtin_shuffle(cc, d, first);
  out[3] = __builtin_shuffle(cc, d, second);
}

static inline void kernel(int64_t block, int64_t num_blocks, const T* FOUNDRY_RESTRICT x, T* FOUNDRY_RESTRICT y,
                          int64_t rows, int64_t cols, float p, int64_t seed) {
  (void)num_blocks;
  const int64_t n = rows * cols;
  const int64_t begin = block * {{BLOCK_ELEMS}};  // a multiple of 4
  const int64_t end = begin + {{BLOCK_ELEMS}} < n ? begin + {{BLOCK_ELEMS}} : n;
  const uint64_t key = (uint64_t)seed;
  const uint32_t threshold = foundry_dropout_threshold(p);
  const float scale = 1.0f / (1.0f - p);
  const v8i thr = (v8i){0} + (int32_t)threshold;
  const bool nt = {{STREAM}} && aligned8(y + begin);
  int64_t i = begin;
  for (; i + 4 * {{LANES}} <= end; i += 4 * {{LANES}}) {
    v8u draw[{{LANES}} / 2];
    for (int g = 0; g < {{LANES}}; g += 8) philox8(key, (uint64_t)(i >> 2) + (uint64_t)g, draw + g / 2);
    for (int e = 0; e < {{LANES}} / 2; ++e) {
      const v8i keep = (v8i)(draw[e] >> 8) >= thr;  // the 24-bit draw fits a signed compare
      const v8f v = (v8f)((v8i)(load8(x + i + 8 * e) * scale) & keep);
      if (nt)
        store8_nt(y + i + 8 * e, v);
      else
        store8(y + i + 8 * e, v);
    }
  }
  if (nt) store_fence();
  for (; i < end; i += 4) {
    const foundry_philox4 r = foundry_philox(key, (uint64_t)(i >> 2));
    for (int k = 0; k < 4 && i + k < end; ++k)
      y[i + k] = from_f(foundry_dropout_keep(r.v[k], threshold) ? to_f(x[i + k]) * scale : 0.0f);
  }
}
