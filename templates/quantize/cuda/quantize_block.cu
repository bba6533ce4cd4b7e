// ---
// id: quantize_block
// op: quantize
// backend: cuda
// summary: "one block per row (the whole SM's worth of threads on a decode row); the row is walked as a scalar head up to the first VEC-aligned element, VEC-wide vectors (16-byte loads at VEC=4 for f32, VEC=8 for f16/bf16; int8 stores of VEC bytes), and a scalar tail, so every shape is handled; the first THREADS*VEC*ITEMS elements stay in registers between the absmax sweep and the quantising sweep, anything past that is read again (from L2); absmax by block_max, scale = absmax / 127 by __fdiv_rn, then q = clamp(roundf(x * (1/scale)), -127, 127) with a correctly rounded reciprocal (at most ~1.5 ulp from x/scale, which moves q only at a .5 tie, as the contract allows; roundf rounds half away from zero), true division when the scale is subnormal; absmax == 0 gives scale 0 and q 0 with no division"
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

static __device__ __forceinline__ int qb_quant(float xv, float inv, float s, bool divide) {
  const float t = divide ? __fdiv_rn(xv, s) : xv * inv;
  return __float2int_rn(fminf(fmaxf(roundf(t), -127.0f), 127.0f));
}

static __device__ __forceinline__ void qb_put(int8_t* p, const Vec<QB_VEC>& a, float inv, float s, bool divide) {
  QbBytes o;
#pragma unroll
  for (int w = 0; w < QB_VEC / 4; ++w) {
    uint32_t word = 0;
#pragma unroll
    for (int b = 0; b < 4; ++b)
      word |= ((uint32_t)qb_quant(to_f(a.v[4 * w + b]), inv, s, divide) & 0xffu) << (8 * b);
    o.w[w] = word;
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
  float m = 0.0f;
#pragma unroll
  for (int k = 0; k < QB_ITEMS; ++k) {
    const int64_t v = (int64_t)k * QB_THREADS + threadIdx.x;
    if (v < nvec) {
      cache[k] = load_vec<QB_VEC>(xv + v * QB_VEC);
#pragma unroll
      for (int e = 0; e < QB_VEC; ++e) m = fmaxf(m, fabsf(to_f(cache[k].v[e])));
    }
  }
  for (int64_t v = (int64_t)QB_ITEMS * QB_THREADS + threadIdx.x; v < nvec; v += QB_THREADS) {
    const Vec<QB_VEC> a = load_vec<QB_VEC>(xv + v * QB_VEC);
#pragma unroll
    for (int e = 0; e < QB_VEC; ++e) m = fmaxf(m, fabsf(to_f(a.v[e])));
  }
  for (int j = threadIdx.x; j < nscalar; j += QB_THREADS) {
    const int64_t c = j < head ? j : tail + (j - head);
    m = fmaxf(m, fabsf(to_f(xr[c])));
  }
  const float absmax = block_max(m);
  const float s = __fdiv_rn(absmax, 127.0f);
  if (threadIdx.x == 0) scale[r] = s;
  // absmax == 0: inv = 0 turns every (zero) x into q = 0 without a division.
  const bool divide = absmax != 0.0f && s < 1.17549435e-38f;
  const float inv = absmax == 0.0f ? 0.0f : __frcp_rn(s);

#pragma unroll
  for (int k = 0; k < QB_ITEMS; ++k) {
    const int64_t v = (int64_t)k * QB_THREADS + threadIdx.x;
    if (v < nvec) {
      qb_put(qv + v * QB_VEC, cache[k], inv, s, divide);
    }
  }
  for (int64_t v = (int64_t)QB_ITEMS * QB_THREADS + threadIdx.x; v < nvec; v += QB_THREADS) {
    const Vec<QB_VEC> a = load_vec<QB_VEC>(xv + v * QB_VEC);
    qb_put(qv + v * QB_VEC, a, inv, s, divide);
  }
  for (int j = threadIdx.x; j < nscalar; j += QB_THREADS) {
    const int64_t c = j < head ? j : tail + (j - head);
    qr[c] = (int8_t)qb_quant(to_f(xr[c]), inv, s, divide);
  }
}
