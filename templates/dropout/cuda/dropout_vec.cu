// ---
// id: dropout_vec
// op: dropout
// backend: cuda
// summary: "flat rows*cols range in tiles of THREADS*VEC*UNROLL elements, one tile per block (grid-stride loop); a thread owns VEC consecutive elements starting at a multiple of 4, so one foundry_philox call (counter i/4, words 0..3 for elements i..i+3, the shared stream the reference draws) feeds four elements and no draw is computed twice; UNROLL VEC-wide loads of x are issued before the Philox rounds so memory latency hides under the integer work; VEC-wide stores (16 bytes at VEC=4 for f32, VEC=8 for f16/bf16); the partial last tile falls back to one foundry_philox_u32 per element; STREAM=1 uses evict-first (.cs) loads and stores"
// knobs:
//   THREADS: [128, 256, 512]
//   VEC: [4, 8, 16]
//   UNROLL: [1, 2, 4]
//   STREAM: [0, 1]
// launch:
//   grid: cdiv(rows * cols, THREADS * VEC * UNROLL)
//   threads: THREADS
// ---
#define DR_THREADS {{THREADS}}
#define DR_VEC {{VEC}}
#define DR_UNROLL {{UNROLL}}
#define DR_STREAM {{STREAM}}
// Registers of staged x per thread; the launch bounds promise 1024 resident threads per SM
// (64 registers) when that is small, else 512 (128 registers). With a bare maxntid ptxas aims lower
// and spills the staged vectors.
#define DR_WORDS (DR_VEC * DR_UNROLL * (int)sizeof(T) / 4)
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__(DR_THREADS, (DR_WORDS <= 24 ? 1024 : 512) / DR_THREADS)

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT x, T* FOUNDRY_RESTRICT y, int64_t rows, int64_t cols,
                                       float p, int64_t seed) {
  const int64_t n = rows * cols;
  const uint64_t key = (uint64_t)seed;
  const uint32_t threshold = foundry_dropout_threshold(p);
  const float scale = 1.0f / (1.0f - p);
  constexpr int64_t TILE = (int64_t)DR_THREADS * DR_VEC * DR_UNROLL;
  for (int64_t base = (int64_t)blockIdx.x * TILE; base < n; base += (int64_t)gridDim.x * TILE) {
    if (base + TILE <= n) {
      Vec<DR_VEC> xv[DR_UNROLL];
#pragma unroll
      for (int k = 0; k < DR_UNROLL; ++k)
        xv[k] = load_vec_cs<DR_VEC, DR_STREAM>(x + base + (int64_t)((k * DR_THREADS + (int)threadIdx.x) * DR_VEC));
#pragma unroll
      for (int k = 0; k < DR_UNROLL; ++k) {
        const int64_t i = base + (int64_t)((k * DR_THREADS + (int)threadIdx.x) * DR_VEC);  // a multiple of 4
        Vec<DR_VEC> o;
#pragma unroll
        for (int c = 0; c < DR_VEC / 4; ++c) {
          const foundry_philox4 r = foundry_philox(key, (uint64_t)(i >> 2) + (uint64_t)c);
#pragma unroll
          for (int w = 0; w < 4; ++w)
            o.v[4 * c + w] = from_f(foundry_dropout_keep(r.v[w], threshold) ? to_f(xv[k].v[4 * c + w]) * scale : 0.0f);
        }
        store_vec_cs<DR_VEC, DR_STREAM>(y + i, o);
      }
    } else {
      // Last, partial tile: whole vectors where they fit, then single elements.
#pragma unroll
      for (int k = 0; k < DR_UNROLL; ++k) {
        const int64_t i = base + (int64_t)((k * DR_THREADS + (int)threadIdx.x) * DR_VEC);
        if (i + DR_VEC <= n) {
          const Vec<DR_VEC> v = load_vec_cs<DR_VEC, DR_STREAM>(x + i);
          Vec<DR_VEC> o;
#pragma unroll
          for (int c = 0; c < DR_VEC / 4; ++c) {
            const foundry_philox4 r = foundry_philox(key, (uint64_t)(i >> 2) + (uint64_t)c);
#pragma unroll
            for (int w = 0; w < 4; ++w)
              o.v[4 * c + w] = from_f(foundry_dropout_keep(r.v[w], threshold) ? to_f(v.v[4 * c + w]) * scale : 0.0f);
          }
          store_vec_cs<DR_VEC, DR_STREAM>(y + i, o);
        } else {
          for (int64_t j = i; j < n; ++j) {
            const int keep = foundry_dropout_keep(foundry_philox_u32(key, (uint64_t)j), threshold);
            y[j] = from_f(keep ? to_f(x[j]) * scale : 0.0f);
          }
        }
      }
    }
  }
}
