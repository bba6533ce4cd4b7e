// ---
// id: quantize_plain
// op: quantize
// backend: cuda
// summary: "one block per row, scalar strided loops: absmax by block_max, scale = absmax / 127 (correctly rounded f32 division, __fdiv_rn), then q = clamp(roundf(x / scale), -127, 127) with a correctly rounded division per element (roundf rounds half away from zero); a row with absmax == 0 stores scale 0 and q 0 without dividing"
// knobs:
//   THREADS: [128, 256, 512, 1024]
// launch:
//   grid: rows
//   threads: THREADS
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}})

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT x, int8_t* FOUNDRY_RESTRICT q,
                                       float* FOUNDRY_RESTRICT scale, int64_t rows, int64_t cols) {
  (void)rows;
  const int64_t r = blockIdx.x;
  const T* xr = x + r * cols;
  int8_t* qr = q + r * cols;
  float m = 0.0f;
  for (int64_t c = threadIdx.x; c < cols; c += {{THREADS}}) m = fmaxf(m, fabsf(to_f(xr[c])));
  const float absmax = block_max(m);
  const float s = __fdiv_rn(absmax, 127.0f);
  if (threadIdx.x == 0) scale[r] = s;
  for (int64_t c = threadIdx.x; c < cols; c += {{THREADS}}) {
    if (absmax == 0.0f) {
      qr[c] = 0;
    } else {
      const float v = fminf(fmaxf(roundf(__fdiv_rn(to_f(xr[c]), s)), -127.0f), 127.0f);
      qr[c] = (int8_t)__float2int_rn(v);
    }
  }
}
