// ---
// id: rope_plain
// op: rope
// backend: cuda
// summary: "one thread per rotated pair (token, head, i < head_dim/2) over tokens*heads*head_dim/2 pairs; the angle positions[t] * theta^(-2i/head_dim) and its sin/cos in double (pow, sincos), as the reference computes them, the rotation in double, one rounding to T; no fast math, the accurate baseline"
// knobs:
//   THREADS: [128, 256, 512]
// launch:
//   grid: cdiv(tokens * heads * head_dim / 2, THREADS)
//   threads: THREADS
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}})

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT x, const int32_t* FOUNDRY_RESTRICT positions,
                                       T* FOUNDRY_RESTRICT y, int64_t tokens, int64_t heads, int64_t head_dim,
                                       float theta) {
  const int64_t half = head_dim / 2;
  const int64_t pair = (int64_t)blockIdx.x * {{THREADS}} + threadIdx.x;
  if (pair >= tokens * heads * half) return;
  const int64_t i = pair % half, th = pair / half;  // th = t * heads + h
  const int64_t t = th / heads;
  const double a = (double)positions[t] * pow((double)theta, -2.0 * (double)i / (double)head_dim);
  double sn, cs;
  sincos(a, &sn, &cs);
  const int64_t base = th * head_dim;
  const double lo = (double)to_f(x[base + i]), hi = (double)to_f(x[base + i + half]);
  y[base + i] = from_f((float)(lo * cs - hi * sn));
  y[base + i + half] = from_f((float)(hi * cs + lo * sn));
}
