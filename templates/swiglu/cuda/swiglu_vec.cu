// ---
// id: swiglu_vec
// op: swiglu
// backend: cuda
// summary: "flat rows*cols range in tiles of THREADS*VEC*UNROLL elements, one tile per block (grid-stride loop, so a capped grid stays correct); each thread issues UNROLL VEC-wide loads of gate and up (16 bytes at VEC=4 for f32, VEC=8 for f16/bf16) before any math, then stores VEC-wide; sigmoid from e = exp(-|g|) in (0, 1] as (g >= 0 ? 1 : e) / (1 + e), so nothing overflows and the division stays in [1, 2] (safe under FAST_MATH's __expf and approximate division); the partial last tile falls back to scalar elements; STREAM=1 uses evict-first (.cs) loads and stores"
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
#define SW_THREADS {{THREADS}}
#define SW_VEC {{VEC}}
#define SW_UNROLL {{UNROLL}}
#define SW_STREAM {{STREAM}}
// Registers of staged gate and up per thread; the launch bounds promise 1024 resident threads per SM
// (64 registers) when that is small, else 512 (128 registers). With a bare maxntid ptxas aims lower
// and spills the staged vectors.
#define SW_WORDS (2 * SW_VEC * SW_UNROLL * (int)sizeof(T) / 4)
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__(SW_THREADS, (SW_WORDS <= 24 ? 1024 : 512) / SW_THREADS)

static __device__ __forceinline__ float sw_swiglu(float g, float u) {
  const float e = expf(-fabsf(g));  // (0, 1]
  const float s = (g >= 0.0f ? 1.0f : e) / (1.0f + e);
  return g * s * u;
}

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT gate, const T* FOUNDRY_RESTRICT up,
                                       T* FOUNDRY_RESTRICT y, int64_t rows, int64_t cols) {
  const int64_t n = rows * cols;
  constexpr int64_t TILE = (int64_t)SW_THREADS * SW_VEC * SW_UNROLL;
  for (int64_t base = (int64_t)blockIdx.x * TILE; base < n; base += (int64_t)gridDim.x * TILE) {
    if (base + TILE <= n) {
      Vec<SW_VEC> g[SW_UNROLL], u[SW_UNROLL];
#pragma unroll
      for (int k = 0; k < SW_UNROLL; ++k) {
        const int64_t i = base + (int64_t)((k * SW_THREADS + (int)threadIdx.x) * SW_VEC);
        g[k] = load_vec_cs<SW_VEC, SW_STREAM>(gate + i);
        u[k] = load_vec_cs<SW_VEC, SW_STREAM>(up + i);
      }
#pragma unroll
      for (int k = 0; k < SW_UNROLL; ++k) {
        const int64_t i = base + (int64_t)((k * SW_THREADS + (int)threadIdx.x) * SW_VEC);
        Vec<SW_VEC> o;
#pragma unroll
        for (int j = 0; j < SW_VEC; ++j) o.v[j] = from_f(sw_swiglu(to_f(g[k].v[j]), to_f(u[k].v[j])));
        store_vec_cs<SW_VEC, SW_STREAM>(y + i, o);
      }
    } else {
      // Last, partial tile: whole vectors where they fit, then single elements.
#pragma unroll
      for (int k = 0; k < SW_UNROLL; ++k) {
        const int64_t i = base + (int64_t)((k * SW_THREADS + (int)threadIdx.x) * SW_VEC);
        if (i + SW_VEC <= n) {
          const Vec<SW_VEC> gv = load_vec_cs<SW_VEC, SW_STREAM>(gate + i), uv = load_vec_cs<SW_VEC, SW_STREAM>(up + i);
          Vec<SW_VEC> o;
#pragma unroll
          for (int j = 0; j < SW_VEC; ++j) o.v[j] = from_f(sw_swiglu(to_f(gv.v[j]), to_f(uv.v[j])));
          store_vec_cs<SW_VEC, SW_STREAM>(y + i, o);
        } else {
          for (int64_t j = i; j < n; ++j) y[j] = from_f(sw_swiglu(to_f(gate[j]), to_f(up[j])));
        }
      }
    }
  }
}
