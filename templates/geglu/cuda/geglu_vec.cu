// ---
// id: geglu_vec
// op: geglu
// backend: cuda
// summary: "flat rows*cols range in tiles of THREADS*VEC*UNROLL elements, one tile per block (grid-stride loop); UNROLL VEC-wide loads of gate and up per thread (16 bytes at VEC=4 for f32, VEC=8 for f16/bf16) before any math, VEC-wide stores; the approximate flag is tested once per kernel, each form has its own loop. Exact GELU as 0.5*g + 0.5*g*erff(g/sqrt2) (erff is polynomial, unaffected by FAST_MATH; where 1+erf cancels the error is far below atol); tanh GELU rewritten exactly as g * sigmoid(2u), 0.5*(1 + tanh(u)) = 1/(1 + exp(-2u)), with the sigmoid from e = exp(-|2u|) in (0, 1], so no cancellation, no overflow, division in [1, 2] (safe under FAST_MATH's __expf and approximate division); the partial last tile falls back to scalar elements; STREAM=1 uses evict-first (.cs) loads and stores"
// knobs:
//   THREADS: [128, 256, 512]
//   VEC: [2, 4, 8]
//   UNROLL: [1, 2, 4]
//   STREAM: [0, 1]
//   FAST_MATH: [0, 1]
// launch:
//   grid: cdiv(rows * cols, THREADS * VEC * UNROLL)
//   threads: THREADS
// flags_if:
//   FAST_MATH: [--use_fast_math]
// ---
#define GG_THREADS {{THREADS}}
#define GG_VEC {{VEC}}
#define GG_UNROLL {{UNROLL}}
#define GG_STREAM {{STREAM}}
// Registers of staged gate and up per thread; the launch bounds promise 1024 resident threads per SM
// (64 registers) when that is small, else 512 (128 registers). With a bare maxntid ptxas aims lower
// and spills the staged vectors.
#define GG_WORDS (2 * GG_VEC * GG_UNROLL * (int)sizeof(T) / 4)
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__(GG_THREADS, (GG_WORDS <= 24 ? 1024 : 512) / GG_THREADS)

template <int APPROX>
static __device__ __forceinline__ float gg_geglu(float g, float u) {
  if constexpr (APPROX) {
    // 2u = 2*sqrt(2/pi) * g * (1 + 0.044715 g^2); gelu = g * sigmoid(2u).
    const float z = 1.5957691216057308f * g * fmaf(0.044715f * g, g, 1.0f);
    const float e = expf(-fabsf(z));  // (0, 1]
    const float s = (z >= 0.0f ? 1.0f : e) / (1.0f + e);
    return g * s * u;
  } else {
    const float h = 0.5f * g;
    return fmaf(h, erff(g * 0.7071067811865476f), h) * u;
  }
}

template <int APPROX>
static __device__ __forceinline__ void gg_run(const T* FOUNDRY_RESTRICT gate, const T* FOUNDRY_RESTRICT up,
                                              T* FOUNDRY_RESTRICT y, int64_t n) {
  constexpr int64_t TILE = (int64_t)GG_THREADS * GG_VEC * GG_UNROLL;
  for (int64_t base = (int64_t)blockIdx.x * TILE; base < n; base += (int64_t)gridDim.x * TILE) {
    if (base + TILE <= n) {
      Vec<GG_VEC> g[GG_UNROLL], u[GG_UNROLL];
#pragma unroll
      for (int k = 0; k < GG_UNROLL; ++k) {
        const int64_t i = base + (int64_t)((k * GG_THREADS + (int)threadIdx.x) * GG_VEC);
        g[k] = load_vec_cs<GG_VEC, GG_STREAM>(gate + i);
        u[k] = load_vec_cs<GG_VEC, GG_STREAM>(up + i);
      }
#pragma unroll
      for (int k = 0; k < GG_UNROLL; ++k) {
        const int64_t i = base + (int64_t)((k * GG_THREADS + (int)threadIdx.x) * GG_VEC);
        Vec<GG_VEC> o;
#pragma unroll
        for (int j = 0; j < GG_VEC; ++j) o.v[j] = from_f(gg_geglu<APPROX>(to_f(g[k].v[j]), to_f(u[k].v[j])));
        store_vec_cs<GG_VEC, GG_STREAM>(y + i, o);
      }
    } else {
      // Last, partial tile: whole vectors where they fit, then single elements.
#pragma unroll
      for (int k = 0; k < GG_UNROLL; ++k) {
        const int64_t i = base + (int64_t)((k * GG_THREADS + (int)threadIdx.x) * GG_VEC);
        if (i + GG_VEC <= n) {
          const Vec<GG_VEC> gv = load_vec_cs<GG_VEC, GG_STREAM>(gate + i), uv = load_vec_cs<GG_VEC, GG_STREAM>(up + i);
          Vec<GG_VEC> o;
#pragma unroll
          for (int j = 0; j < GG_VEC; ++j) o.v[j] = from_f(gg_geglu<APPROX>(to_f(gv.v[j]), to_f(uv.v[j])));
          store_vec_cs<GG_VEC, GG_STREAM>(y + i, o);
        } else {
          for (int64_t j = i; j < n; ++j) y[j] = from_f(gg_geglu<APPROX>(to_f(gate[j]), to_f(up[j])));
        }
      }
    }
  }
}

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT gate, const T* FOUNDRY_RESTRICT up,
                                       T* FOUNDRY_RESTRICT y, int64_t rows, int64_t cols, int64_t approximate) {
  if (approximate != 0)
    gg_run<1>(gate, up, y, rows * cols);
  else
    gg_run<0>(gate, up, y, rows * cols);
}
