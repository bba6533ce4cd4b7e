// ---
// id: dequantize_vec
// op: dequantize
// backend: cuda
// summary: "2-D exact grid: rows x cdiv(cols, THREADS*VEC*UNROLL) column chunks, so a single decode row still spreads over several blocks; the row's scale is read once per thread; each row is walked as a scalar head up to the first VEC-aligned element (shared by q and y), VEC-wide vectors and a scalar tail, so every shape is handled (head and tail done by chunk 0); VEC int8 loads as one access (VEC bytes) and VEC-wide stores of y (16 bytes at VEC=4 for f32, VEC=8 for f16/bf16), UNROLL loads issued before any store; STREAM=1 uses evict-first (.cs) loads and stores; INT_CVT=1 converts int8 to float without the conversion unit (byte permute into the mantissa of 1.5*2^23, one FP32 add; exact), INT_CVT=0 with plain int-to-float conversions"
// knobs:
//   THREADS: [128, 256, 512]
//   VEC: [4, 8, 16]
//   UNROLL: [1, 2, 4]
//   STREAM: [0, 1]
//   INT_CVT: [0, 1]
// launch:
//   grid: rows * cdiv(cols, THREADS * VEC * UNROLL)
//   threads: THREADS
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}})
#define DQ_THREADS {{THREADS}}
#define DQ_VEC {{VEC}}
#define DQ_UNROLL {{UNROLL}}
#define DQ_STREAM {{STREAM}}

// VEC int8 values as one VEC-byte access.
struct alignas(DQ_VEC) DqBytes {
  uint32_t w[DQ_VEC / 4];
};

static __device__ __forceinline__ DqBytes dq_load(const int8_t* p) {
  DqBytes b;
  if constexpr (DQ_STREAM) {
    typedef typename CsWord<DQ_VEC>::t R;
    *reinterpret_cast<R*>(&b) = __ldcs(reinterpret_cast<const R*>(p));
  } else {
    b = *reinterpret_cast<const DqBytes*>(p);
  }
  return b;
}

static __device__ __forceinline__ Vec<DQ_VEC> dq_convert(const DqBytes& b, float s) {
  Vec<DQ_VEC> o;
#pragma unroll
  for (int w = 0; w < DQ_VEC / 4; ++w)
#pragma unroll
    for (int k = 0; k < 4; ++k) {
#if {{INT_CVT}}
      // q + 128 spliced into the mantissa of 1.5*2^23 (one byte permute), minus 1.5*2^23 + 128: exact q
      // from one FP32 add, no conversion-unit I2F.
      const uint32_t u = b.w[w] ^ 0x80808080u;
      const float qf = __int_as_float((int)__byte_perm(u, 0x4B400000u, 0x7650u | (unsigned)k)) - 12583040.0f;
#else
      const float qf = (float)(int8_t)(b.w[w] >> (8 * k));
#endif
      o.v[4 * w + k] = from_f(qf * s);
    }
  return o;
}

__device__ __forceinline__ void kernel(const int8_t* FOUNDRY_RESTRICT q, const float* FOUNDRY_RESTRICT scale,
                                       T* FOUNDRY_RESTRICT y, int64_t rows, int64_t cols) {
  (void)rows;
  constexpr int64_t TILE = (int64_t)DQ_THREADS * DQ_VEC * DQ_UNROLL;
  const int64_t chunks = (cols + TILE - 1) / TILE;
  const int64_t r = (int64_t)blockIdx.x / chunks;
  const int64_t chunk = (int64_t)blockIdx.x - r * chunks;
  const float s = scale[r];
  const int8_t* qr = q + r * cols;
  T* yr = y + r * cols;
  int64_t head = (DQ_VEC - (r * cols) % DQ_VEC) % DQ_VEC;
  if (head > cols) head = cols;
  const int64_t nvec = (cols - head) / DQ_VEC;
  const int64_t tail = head + nvec * DQ_VEC;
  const int8_t* qv = qr + head;
  T* yv = yr + head;

  const int64_t v0 = chunk * (DQ_THREADS * DQ_UNROLL) + threadIdx.x;  // this thread's first vector
  DqBytes b[DQ_UNROLL];
#pragma unroll
  for (int k = 0; k < DQ_UNROLL; ++k) {
    const int64_t v = v0 + k * DQ_THREADS;
    if (v < nvec) b[k] = dq_load(qv + v * DQ_VEC);
  }
#pragma unroll
  for (int k = 0; k < DQ_UNROLL; ++k) {
    const int64_t v = v0 + k * DQ_THREADS;
    if (v < nvec) store_vec_cs<DQ_VEC, DQ_STREAM>(yv + v * DQ_VEC, dq_convert(b[k], s));
  }
  if (chunk == 0) {
    const int nscalar = (int)(head + (cols - tail));  // < 2 * VEC
    for (int j = threadIdx.x; j < nscalar; j += DQ_THREADS) {
      const int64_t c = j < head ? j : tail + (j - head);
      yr[c] = from_f((float)qr[c] * s);
    }
  }
}
