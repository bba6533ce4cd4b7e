// ---
// id: quantize_warp
// op: quantize
// backend: cuda
// summary: "one warp per row, ROWS rows (warps) per block, no __syncthreads (warp_max only), so many rows run at once on prefill; the row is walked as a scalar head up to the first VEC-aligned element, VEC-wide vectors (16-byte loads at VEC=4 for f32, VEC=8 for f16/bf16; int8 stores of VEC bytes) and a scalar tail, so every shape is handled; the first 32*VEC*ITEMS elements stay in registers between the absmax sweep and the quantising sweep, the rest is read again (from L2); scale = absmax / 127 by __fdiv_rn, q = round_half_away(x * (1/scale)) with a correctly rounded reciprocal (at most ~1.5 ulp from x/scale, which moves q only at a .5 tie, as the contract allows; |x| <= absmax bounds |q| by 127, so no clamp), rounded exactly as trunc(t + copysign(0.5 - 2^-25, t)): one add and one truncating conversion; a subnormal scale is handled by exact 2^64 rescaling, never a division; the absmax sweep runs on packed half2/bfloat162 pairs (HMNMX2) for 16-bit types; four q bytes are packed with byte permutes; absmax == 0 gives scale 0 and q 0 with no division"
// knobs:
//   ROWS: [2, 4, 8]
//   VEC: [4, 8, 16]
//   ITEMS: [2, 4, 8, 16]
// constraints:
//   - "VEC * ITEMS <= 64"
// launch:
//   grid: cdiv(rows, ROWS)
//   threads: 32 * ROWS
// ---
// At least 512 threads per SM: ptxas then caps registers at 128 instead of guessing lower and spilling.
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__(32 * {{ROWS}}, 16 / {{ROWS}})
#define QW_ROWS {{ROWS}}
#define QW_VEC {{VEC}}
#define QW_ITEMS {{ITEMS}}

// VEC int8 results packed little-endian into 32-bit words, stored as one VEC-byte access.
struct alignas(QW_VEC) QwBytes {
  uint32_t w[QW_VEC / 4];
};

// Running |x| maximum: packed half2/bfloat162 for 16-bit types (one HMNMX2 per pair, exact since the
// values are compared as stored), float for f32.
#if defined(FOUNDRY_DTYPE_F32)
typedef float QwAcc;
static __device__ __forceinline__ QwAcc qw_acc_init() { return 0.0f; }
static __device__ __forceinline__ QwAcc qw_acc_vec(QwAcc m, const Vec<QW_VEC>& a) {
#pragma unroll
  for (int e = 0; e < QW_VEC; ++e) m = fmaxf(m, fabsf(a.v[e]));
  return m;
}
static __device__ __forceinline__ float qw_acc_final(QwAcc m) { return m; }
#else
#if defined(FOUNDRY_DTYPE_F16)
typedef __half2 QwAcc;
#else
typedef __nv_bfloat162 QwAcc;
#endif
static __device__ __forceinline__ QwAcc qw_acc_init() { QwAcc z; z.x = from_f(0.0f); z.y = z.x; return z; }
static __device__ __forceinline__ QwAcc qw_acc_vec(QwAcc m, const Vec<QW_VEC>& a) {
  const QwAcc* p = reinterpret_cast<const QwAcc*>(&a);
#pragma unroll
  for (int e = 0; e < QW_VEC / 2; ++e) m = __hmax2(m, __habs2(p[e]));
  return m;
}
static __device__ __forceinline__ float qw_acc_final(QwAcc m) { return fmaxf(to_f(m.x), to_f(m.y)); }
#endif

// round_half_away_from_zero(t) for |t| < 2^22: t + copysign(0.5 - 2^-25, t) truncated. Exact: a fraction
// below .5 never reaches the next integer (the sum stays at least one ulp short of it), a fraction of .5
// or more always does. No clamp is needed: |x| <= absmax gives |t| <= 127 * (1 + 2^-24)^3 < 127.5.
static __device__ __forceinline__ uint32_t qw_q(float t) {
  return (uint32_t)__float2int_rz(t + copysignf(0.49999997f, t));
}

// t = (x * pre) * inv, rounded by __fmul_rn before the rounding step (never fused into it): pre = 1 and
// inv = 1/scale normally; for a subnormal scale pre = 2^64 and inv = 1/(scale * 2^64), both exact
// rescalings, so 1/scale never overflows and no division is needed.
static __device__ __forceinline__ void qw_put(int8_t* p, const Vec<QW_VEC>& a, float pre, float inv) {
  QwBytes o;
#pragma unroll
  for (int w = 0; w < QW_VEC / 4; ++w) {
    const uint32_t q0 = qw_q(__fmul_rn(to_f(a.v[4 * w + 0]) * pre, inv)), q1 = qw_q(__fmul_rn(to_f(a.v[4 * w + 1]) * pre, inv));
    const uint32_t q2 = qw_q(__fmul_rn(to_f(a.v[4 * w + 2]) * pre, inv)), q3 = qw_q(__fmul_rn(to_f(a.v[4 * w + 3]) * pre, inv));
    o.w[w] = __byte_perm(__byte_perm(q0, q1, 0x0040u), __byte_perm(q2, q3, 0x0040u), 0x5410u);
  }
  *reinterpret_cast<QwBytes*>(p) = o;
}

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT x, int8_t* FOUNDRY_RESTRICT q,
                                       float* FOUNDRY_RESTRICT scale, int64_t rows, int64_t cols) {
  const int lane = threadIdx.x & 31;
  const int64_t r = (int64_t)blockIdx.x * QW_ROWS + (threadIdx.x >> 5);
  if (r >= rows) return;  // whole warp leaves together
  const T* xr = x + r * cols;
  int8_t* qr = q + r * cols;
  // Scalar head until r*cols + head is a multiple of VEC (x and q then both aligned), vectors, scalar tail.
  int64_t head = (QW_VEC - (r * cols) % QW_VEC) % QW_VEC;
  if (head > cols) head = cols;
  const int64_t nvec = (cols - head) / QW_VEC;
  const int64_t tail = head + nvec * QW_VEC;
  const int nscalar = (int)(head + (cols - tail));  // < 2 * VEC
  const T* xv = xr + head;
  int8_t* qv = qr + head;

  Vec<QW_VEC> cache[QW_ITEMS];
#pragma unroll
  for (int k = 0; k < QW_ITEMS; ++k) {
    const int64_t v = (int64_t)k * 32 + lane;
    if (v < nvec) cache[k] = load_vec<QW_VEC>(xv + v * QW_VEC);
  }
  QwAcc acc = qw_acc_init();
#pragma unroll
  for (int k = 0; k < QW_ITEMS; ++k)
    if ((int64_t)k * 32 + lane < nvec) acc = qw_acc_vec(acc, cache[k]);
  for (int64_t v = (int64_t)QW_ITEMS * 32 + lane; v < nvec; v += 32)
    acc = qw_acc_vec(acc, load_vec<QW_VEC>(xv + v * QW_VEC));
  float m = qw_acc_final(acc);
  for (int j = lane; j < nscalar; j += 32) {
    const int64_t c = j < head ? j : tail + (j - head);
    m = fmaxf(m, fabsf(to_f(xr[c])));
  }
  const float absmax = warp_max(m);
  const float s = __fdiv_rn(absmax, 127.0f);
  if (lane == 0) scale[r] = s;
  // absmax == 0: inv = 0 turns every (zero) x into q = 0 without a division.
  const bool tiny = s < 1.17549435e-38f;  // subnormal scale
  const float pre = tiny ? 18446744073709551616.0f : 1.0f;
  const float inv = absmax == 0.0f ? 0.0f : __frcp_rn(tiny ? s * 18446744073709551616.0f : s);

#pragma unroll
  for (int k = 0; k < QW_ITEMS; ++k) {
    const int64_t v = (int64_t)k * 32 + lane;
    if (v < nvec) qw_put(qv + v * QW_VEC, cache[k], pre, inv);
  }
  for (int64_t v = (int64_t)QW_ITEMS * 32 + lane; v < nvec; v += 32)
    qw_put(qv + v * QW_VEC, load_vec<QW_VEC>(xv + v * QW_VEC), pre, inv);
  for (int j = lane; j < nscalar; j += 32) {
    const int64_t c = j < head ? j : tail + (j - head);
    qr[c] = (int8_t)qw_q(__fmul_rn(to_f(xr[c]) * pre, inv));
  }
}
