// ---
// id: quantize_block
// op: quantize
// backend: cuda
// summary: "one block per row (the whole SM's worth of threads on a decode row); the row is walked as a scalar head up to the first VEC-aligned element, VEC-wide vectors (16-byte loads at VEC=4 for f32, VEC=8 for f16/bf16; int8 stores of VEC bytes), and a scalar tail, so every shape is handled; the first THREADS*VEC*ITEMS elements stay in registers between the absmax sweep and the quantising sweep, anything past that is read again (from L2); absmax by block_max, scale = absmax / 127 by __fdiv_rn, then q = round_half_away(x * (1/scale)) with a correctly rounded reciprocal (at most ~1.5 ulp from x/scale, which moves q only at a .5 tie, as the contract allows; |x| <= absmax bounds |q| by 127, so no clamp), rounded exactly as trunc(t + copysign(0.5 - 2^-25, t)): one add and one truncating conversion; a subnormal scale is handled by exact 2^64 rescaling, never a division; the absmax sweep runs on packed half2/bfloat162 pairs (HMNMX2) for 16-bit types; four q bytes are packed with byte permutes; absmax == 0 gives scale 0 and q 0 with no division"
// knobs:
//   THREADS: [128, 256, 512, 1024]
//   VEC: [4, 8, 16]
//   ITEMS: [1, 2, 4, 8]
// constraints:
//   - "VEC * ITEMS <= 32"
//   - "THREADS < 1024 || VEC * ITEMS <= 16"
//   - "ITEMS == 1 || THREADS * VEC * ITEMS / 2 < cols"
// launch:
//   grid: rows
//   threads: THREADS
// ---
// At least 512 threads per SM (one block at 1024): ptxas then caps registers at 128 (64 at 1024 threads)
// instead of aiming lower and spilling the row cache.
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}}, {{THREADS}} < 512 ? 512 / {{THREADS}} : 1)
#define QB_THREADS {{THREADS}}
#define QB_VEC {{VEC}}
#define QB_ITEMS {{ITEMS}}

// VEC int8 results packed little-endian into 32-bit words, stored as one VEC-byte access.
struct alignas(QB_VEC) QbBytes {
  uint32_t w[QB_VEC / 4];
};

// Running |x| maximum: packed half2/bfloat162 for 16-bit types (one HMNMX2 per pair, exact since the
// values are compared as stored), float for f32.
#if defined(FOUNDRY_DTYPE_F32)
typedef float QbAcc;
static __device__ __forceinline__ QbAcc qb_acc_init() { return 0.0f; }
static __device__ __forceinline__ QbAcc qb_acc_vec(QbAcc m, const Vec<QB_VEC>& a) {
#pragma unroll
  for (int e = 0; e < QB_VEC; ++e) m = fmaxf(m, fabsf(a.v[e]));
  return m;
}
static __device__ __forceinline__ float qb_acc_final(QbAcc m) { return m; }
#else
#if defined(FOUNDRY_DTYPE_F16)
typedef __half2 QbAcc;
#else
typedef __nv_bfloat162 QbAcc;
#endif
static __device__ __forceinline__ QbAcc qb_acc_init() { QbAcc z; z.x = from_f(0.0f); z.y = z.x; return z; }
static __device__ __forceinline__ QbAcc qb_acc_vec(QbAcc m, const Vec<QB_VEC>& a) {
  const QbAcc* p = reinterpret_cast<const QbAcc*>(&a);
#pragma unroll
  for (int e = 0; e < QB_VEC / 2; ++e) m = __hmax2(m, __habs2(p[e]));
  return m;
}
static __device__ __forceinline__ float qb_acc_final(QbAcc m) { return fmaxf(to_f(m.x), to_f(m.y)); }
#endif

// round_half_away_from_zero(t) for |t| < 2^22: t + copysign(0.5 - 2^-25, t) truncated. Exact: a fraction
// below .5 never reaches the next integer (the sum stays at least one ulp short of it), a fraction of .5
// or more always does. No clamp is needed: |x| <= absmax gives |t| <= 127 * (1 + 2^-24)^3 < 127.5.
static __device__ __forceinline__ uint32_t qb_q(float t) {
  return (uint32_t)__float2int_rz(t + copysignf(0.49999997f, t));
}

// t = (x * pre) * inv, rounded by __fmul_rn before the rounding step (never fused into it): pre = 1 and
// inv = 1/scale normally; for a subnormal scale pre = 2^64 and inv = 1/(scale * 2^64), both exact
// rescalings, so 1/scale never overflows and no division is needed.
static __device__ __forceinline__ void qb_put(int8_t* p, const Vec<QB_VEC>& a, float pre, float inv) {
  QbBytes o;
#pragma unroll
  for (int w = 0; w < QB_VEC / 4; ++w) {
    const uint32_t q0 = qb_q(__fmul_rn(to_f(a.v[4 * w + 0]) * pre, inv)), q1 = qb_q(__fmul_rn(to_f(a.v[4 * w + 1]) * pre, inv));
    const uint32_t q2 = qb_q(__fmul_rn(to_f(a.v[4 * w + 2]) * pre, inv)), q3 = qb_q(__fmul_rn(to_f(a.v[4 * w + 3]) * pre, inv));
    o.w[w] = __byte_perm(__byte_perm(q0, q1, 0x0040u), __byte_perm(q2, q3, 0x0040u), 0x5410u);
  }
  *reinterpret_cast<QbBytes*>(p) = o;
}

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT x, int8_t* FOUNDRY_RESTRICT q,
                                       float* FOUNDRY_RESTRICT scale, int64_t rows, int64_t cols) {
  (void)rows;
  const int64_t r = blockIdx.x;
  const T* xr = x + r * cols;
  int8_t* qr = q + r * cols;
  // Scalar head until r*cols + head is a multiple of VEC (x and q then both aligned), vectors, scalar tail.
  int64_t head = (QB_VEC - (r * cols) % QB_VEC) % QB_VEC;
  if (head > cols) head = cols;
  const int64_t nvec = (cols - head) / QB_VEC;
  const int64_t tail = head + nvec * QB_VEC;
  const int nscalar = (int)(head + (cols - tail));  // < 2 * VEC
  const T* xv = xr + head;
  int8_t* qv = qr + head;

  Vec<QB_VEC> cache[QB_ITEMS];
#pragma unroll
  for (int k = 0; k < QB_ITEMS; ++k) {
    const int64_t v = (int64_t)k * QB_THREADS + threadIdx.x;
    if (v < nvec) cache[k] = load_vec<QB_VEC>(xv + v * QB_VEC);
  }
  QbAcc acc = qb_acc_init();
#pragma unroll
  for (int k = 0; k < QB_ITEMS; ++k)
    if ((int64_t)k * QB_THREADS + threadIdx.x < nvec) acc = qb_acc_vec(acc, cache[k]);
  for (int64_t v = (int64_t)QB_ITEMS * QB_THREADS + threadIdx.x; v < nvec; v += QB_THREADS)
    acc = qb_acc_vec(acc, load_vec<QB_VEC>(xv + v * QB_VEC));
  float m = qb_acc_final(acc);
  for (int j = threadIdx.x; j < nscalar; j += QB_THREADS) {
    const int64_t c = j < head ? j : tail + (j - head);
    m = fmaxf(m, fabsf(to_f(xr[c])));
  }
  const float absmax = block_max(m);
  const float s = __fdiv_rn(absmax, 127.0f);
  if (threadIdx.x == 0) scale[r] = s;
  // absmax == 0: inv = 0 turns every (zero) x into q = 0 without a division.
  const bool tiny = s < 1.17549435e-38f;  // subnormal scale
  const float pre = tiny ? 18446744073709551616.0f : 1.0f;
  const float inv = absmax == 0.0f ? 0.0f : __frcp_rn(tiny ? s * 18446744073709551616.0f : s);

#pragma unroll
  for (int k = 0; k < QB_ITEMS; ++k) {
    const int64_t v = (int64_t)k * QB_THREADS + threadIdx.x;
    if (v < nvec) qb_put(qv + v * QB_VEC, cache[k], pre, inv);
  }
  for (int64_t v = (int64_t)QB_ITEMS * QB_THREADS + threadIdx.x; v < nvec; v += QB_THREADS)
    qb_put(qv + v * QB_VEC, load_vec<QB_VEC>(xv + v * QB_VEC), pre, inv);
  for (int j = threadIdx.x; j < nscalar; j += QB_THREADS) {
    const int64_t c = j < head ? j : tail + (j - head);
    qr[c] = (int8_t)qb_q(__fmul_rn(to_f(xr[c]) * pre, inv));
  }
}
