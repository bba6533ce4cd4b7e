// Philox4x32-10 counter-based generator (Salmon et al., SC'11).
// This one header is used by the host (input generation, the dropout
// reference) and pasted verbatim into every backend's kernel prelude, so a
// kernel and its reference draw bit-identical streams.
#pragma once
// NVRTC has no <stdint.h>; the CUDA prelude defines the fixed-width types.
#if !defined(__CUDACC_RTC__)
#include <stdint.h>
#endif

#ifndef FOUNDRY_HD
#define FOUNDRY_HD
#endif

struct foundry_philox4 {
  uint32_t v[4];
};

static inline FOUNDRY_HD uint32_t foundry_mulhilo32(uint32_t a, uint32_t b, uint32_t* hi) {
#if defined(__CUDA_ARCH__)
  // The same two words: on sm_90 the 64-bit product's high half left adds of
  // zero behind (60 instructions per call, 40 this way).
  *hi = __umulhi(a, b);
  return a * b;
#else
  uint64_t p = (uint64_t)a * (uint64_t)b;
  *hi = (uint32_t)(p >> 32);
  return (uint32_t)p;
#endif
}

// Four 32-bit words for the 128-bit counter (c0, c1, 0, 0) under key `seed`.
static inline FOUNDRY_HD foundry_philox4 foundry_philox(uint64_t seed, uint64_t counter) {
  uint32_t c0 = (uint32_t)counter, c1 = (uint32_t)(counter >> 32), c2 = 0, c3 = 0;
  uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
  for (int r = 0; r < 10; ++r) {
    uint32_t hi0, hi1;
    uint32_t lo0 = foundry_mulhilo32(0xD2511F53u, c0, &hi0);
    uint32_t lo1 = foundry_mulhilo32(0xCD9E8D57u, c2, &hi1);
    uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  foundry_philox4 out;
  out.v[0] = c0; out.v[1] = c1; out.v[2] = c2; out.v[3] = c3;
  return out;
}

// The 32-bit draw for element `i`: element i uses word (i & 3) of counter (i >> 2),
// so a kernel handling four consecutive elements needs one Philox call.
static inline FOUNDRY_HD uint32_t foundry_philox_u32(uint64_t seed, uint64_t i) {
  return foundry_philox(seed, i >> 2).v[i & 3];
}

// Dropout keeps element i when its 24-bit draw is >= this threshold.
// p * 2^24 is exact in float, so kernel and reference agree on every element.
static inline FOUNDRY_HD uint32_t foundry_dropout_threshold(float p) {
  return (uint32_t)(p * 16777216.0f);
}

static inline FOUNDRY_HD int foundry_dropout_keep(uint32_t draw, uint32_t threshold) {
  return (draw >> 8) >= threshold;
}
