// ---
// id: quantize_warp
// op: quantize
// backend: cuda
// summary: "one warp per row, ROWS rows (warps) per block, no __syncthreads (warp_max only), so many rows run at once on prefill; the row is walked as a scalar head up to the first VEC-aligned element, VEC-wide vectors (16-byte loads at VEC=4 for f32, VEC=8 for f16/bf16; int8 stores of VEC bytes) and a scalar tail, so every shape is handled; the first 32*VEC*ITEMS elements stay in registers between the absmax sweep and the quantising sweep, the rest is read again (from L2); scale = absmax / 127 by __fdiv_rn, q = clamp(roundf(x * (1/scale)), -127, 127) with a correctly rounded reciprocal (moves q only at a .5 tie, as the contract allows; roundf rounds half away from zero), true division when the scale is subnormal; absmax == 0 gives scale 0 and q 0 with no division"
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

static __device__ __forceinline__ int qw_quant(float xv, float inv, float s, bool divide) {
  const float t = divide ? __fdiv_rn(xv, s) : xv * inv;
  return __float2int_rn(fminf(fmaxf(roundf(t), -127.0f), 127.0f));
}

static __device__ __forceinline__ void qw_put(int8_t* p, const Vec<QW_VEC>& a, float inv, float s, bool divide) {
  QwBytes o;
#pragma unroll
  for (int w = 0; w < QW_VEC / 4; ++w) {
    uint32_t word = 0;
#pragma unroll
    for (int b = 0; b < 4; ++b)
      word |= ((uint32_t)qw_quant(to_f(a.v[4 * w + b]), inv, s, divide) & 0xffu) << (8 * b);
    o.w[w] = word;
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
  int64_t head = (QW_VEC - (r * cols) % QW_VEC) % QW_VEC;
  if (head > cols) head = cols;
  const int64_t nvec = (cols - head) / QW_VEC;
  const int64_t tail = head + nvec * QW_VEC;
  const int nscalar = (int)(head + (cols - tail));  // < 2 * VEC
  const T* xv = xr + head;
  int8_t* qv = qr + head;

  Vec<QW_VEC> cache[QW_ITEMS];
  float m = 0.0f;
#pragma unroll
  for (int k = 0; k < QW_ITEMS; ++k) {
    const int64_t v = (int64_t)k * 32 + lane;
    if (v < nvec) {
      cache[k] = load_vec<QW_VEC>(xv + v * QW_VEC);
#pragma unroll
      for (int e = 0; e < QW_VEC; ++e) m = fmaxf(m, fabsf(to_f(cache[k].v[e])));
    }
  }
  for (int64_t v = (int64_t)QW_ITEMS * 32 + lane; v < nvec; v += 32) {
    const Vec<QW_VEC> a = load_vec<QW_VEC>(xv + v * QW_VEC);
#pragma unroll
    for (int e = 0; e < QW_VEC; ++e) m = fmaxf(m, fabsf(to_f(a.v[e])));
  }
  for (int j = lane; j < nscalar; j += 32) {
    const int64_t c = j < head ? j : tail + (j - head);
    m = fmaxf(m, fabsf(to_f(xr[c])));
  }
  const float absmax = warp_max(m);
  const float s = __fdiv_rn(absmax, 127.0f);
  if (lane == 0) scale[r] = s;
  const bool divide = absmax != 0.0f && s < 1.17549435e-38f;
  const float inv = absmax == 0.0f ? 0.0f : __frcp_rn(s);

#pragma unroll
  for (int k = 0; k < QW_ITEMS; ++k) {
    const int64_t v = (int64_t)k * 32 + lane;
    if (v < nvec) {
      qw_put(qv + v * QW_VEC, cache[k], inv, s, divide);
    }
  }
  for (int64_t v = (int64_t)QW_ITEMS * 32 + lane; v < nvec; v += 32) {
    const Vec<QW_VEC> a = load_vec<QW_VEC>(xv + v * QW_VEC);
    qw_put(qv + v * QW_VEC, a, inv, s, divide);
  }
  for (int j = lane; j < nscalar; j += 32) {
    const int64_t c = j < head ? j : tail + (j - head);
    qr[c] = (int8_t)qw_quant(to_f(xr[c]), inv, s, divide);
  }
}
