// CPU kernel prelude, prepended to every rendered CPU kernel after the Philox
// header and one FOUNDRY_DTYPE_* define. It gives templates:
//   T                     storage type of the candidate dtype
//   to_f(T) / from_f(f)   load as float / store from float (round-to-nearest-even)
//   FOUNDRY_RESTRICT      restrict qualifier for pointer parameters
// A template defines
//   static inline void kernel(int64_t block, int64_t num_blocks, <ABI params>)
// which runs one block; the runtime spreads blocks over threads.
#include <math.h>
#include <stdint.h>
#include <string.h>

#define FOUNDRY_RESTRICT __restrict__
#define FOUNDRY_INLINE static inline __attribute__((always_inline))

#if defined(FOUNDRY_DTYPE_F32)
typedef float T;
FOUNDRY_INLINE float to_f(T v) { return v; }
FOUNDRY_INLINE T from_f(float f) { return f; }
#elif defined(FOUNDRY_DTYPE_F16)
typedef _Float16 T;
FOUNDRY_INLINE float to_f(T v) { return (float)v; }
FOUNDRY_INLINE T from_f(float f) { return (T)f; }
#elif defined(FOUNDRY_DTYPE_BF16)
typedef struct { uint16_t bits; } T;
FOUNDRY_INLINE float to_f(T v) {
  uint32_t u = (uint32_t)v.bits << 16;
  float f;
  memcpy(&f, &u, 4);
  return f;
}
FOUNDRY_INLINE T from_f(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  T r;
  if ((u & 0x7fffffffu) > 0x7f800000u) {
    r.bits = (uint16_t)((u >> 16) | 0x40);
  } else {
    u += 0x7fffu + ((u >> 16) & 1u);
    r.bits = (uint16_t)(u >> 16);
  }
  return r;
}
#else
#error "rendered kernel lacks a FOUNDRY_DTYPE_* define"
#endif
