// ---
// id: dropout_bulk
// op: dropout
// backend: cuda
// summary: "persistent grid of at most CTAS blocks over tiles of THREADS*VEC elements (tile t to block t mod blocks); thread 0 keeps STAGES-1 tiles of x in flight ahead of the block with cp.async.bulk (TMA bulk copy global -> shared memory, completion on a full mbarrier per buffer), so the loads do not wait behind the Philox rounds; every thread reads its VEC elements (a multiple of 4, from element i = a multiple of 4) from shared memory, draws one foundry_philox per 4 elements (counter i/4, words 0..3: the reference's stream) and stores VEC-wide to y (STREAM=1: evict-first); a buffer is refilled once all threads have arrived on its empty mbarrier; the partial last tile reads x directly, one foundry_philox_u32 per element past the last whole vector; shared memory is sized for 4-byte elements; sm_90 and later"
// knobs:
//   THREADS: [128, 256, 512]
//   VEC: [4, 8, 16]
//   STAGES: [2, 3, 4]
//   CTAS: [132, 264, 528]
//   STREAM: [0, 1]
// constraints:
//   - STAGES * THREADS * VEC * 4 <= 131072
// launch:
//   grid: min(cdiv(rows * cols, THREADS * VEC), CTAS)
//   threads: THREADS
//   smem: STAGES * THREADS * VEC * 4
// ---
#define DB_THREADS {{THREADS}}
#define DB_VEC {{VEC}}
#define DB_STAGES {{STAGES}}
#define DB_STREAM {{STREAM}}
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__(DB_THREADS)

static __device__ __forceinline__ uint32_t db_smem(const void* p) { return (uint32_t)__cvta_generic_to_shared(p); }
static __device__ __forceinline__ void db_wait(uint64_t* bar, uint32_t parity) {
  asm volatile(
      "{\n .reg .pred done;\n db_again:\n mbarrier.try_wait.parity.shared::cta.b64 done, [%0], %1;\n @!done bra db_again;\n}" ::"r"(
          db_smem(bar)),
      "r"(parity)
      : "memory");
}

// y[i .. i+DB_VEC) from the DB_VEC values v of x there; i a multiple of 4.
static __device__ __forceinline__ void db_apply(const Vec<DB_VEC>& v, T* y, int64_t i, uint64_t key, uint32_t threshold,
                                                float scale) {
  Vec<DB_VEC> o;
#pragma unroll
  for (int c = 0; c < DB_VEC / 4; ++c) {
    const foundry_philox4 r = foundry_philox(key, (uint64_t)(i >> 2) + (uint64_t)c);
#pragma unroll
    for (int w = 0; w < 4; ++w)
      o.v[4 * c + w] = from_f(foundry_dropout_keep(r.v[w], threshold) ? to_f(v.v[4 * c + w]) * scale : 0.0f);
  }
  store_vec_cs<DB_VEC, DB_STREAM>(y + i, o);
}

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT x, T* FOUNDRY_RESTRICT y, int64_t rows, int64_t cols,
                                       float p, int64_t seed) {
  extern __shared__ __align__(128) unsigned char db_buf[];
  __shared__ uint64_t full[DB_STAGES], empty[DB_STAGES];
  constexpr int64_t TILE = (int64_t)DB_THREADS * DB_VEC;
  constexpr uint32_t TILE_BYTES = (uint32_t)(TILE * sizeof(T));
  const int64_t n = rows * cols;
  const uint64_t key = (uint64_t)seed;
  const uint32_t threshold = foundry_dropout_threshold(p);
  const float scale = 1.0f / (1.0f - p);
  const int tid = threadIdx.x;
  const int64_t whole = n / TILE, step = gridDim.x;
  T* tile_buf = reinterpret_cast<T*>(db_buf);

  if (tid == 0) {
    for (int s = 0; s < DB_STAGES; ++s) {
      asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;" ::"r"(db_smem(full + s)) : "memory");
      asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" ::"r"(db_smem(empty + s)), "r"(DB_THREADS) : "memory");
    }
    asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
  }
  __syncthreads();
  // Tile t = blockIdx.x + j * step is the block's j-th, in buffer j mod STAGES.
  auto issue = [&](int64_t t, int s) {
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(db_smem(full + s)), "r"(TILE_BYTES) : "memory");
    asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];" ::"r"(
                     db_smem(tile_buf + s * TILE)),
                 "l"(x + t * TILE), "r"(TILE_BYTES), "r"(db_smem(full + s))
                 : "memory");
  };
  if (tid == 0)
    for (int s = 0; s < DB_STAGES; ++s)
      if (blockIdx.x + s * step < whole) issue(blockIdx.x + s * step, s);
  int64_t j = 0;
  for (int64_t t = blockIdx.x; t < whole; t += step, ++j) {
    const int s = (int)(j % DB_STAGES);
    db_wait(full + s, (uint32_t)((j / DB_STAGES) & 1));
    const Vec<DB_VEC> v = *reinterpret_cast<const Vec<DB_VEC>*>(tile_buf + s * TILE + tid * DB_VEC);
    asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];" ::"r"(db_smem(empty + s)) : "memory");
    // Thread 0 refills the previous tile's buffer once every thread has read it.
    if (tid == 0 && j > 0) {
      const int64_t tn = t + (DB_STAGES - 1) * step;
      if (tn < whole) {
        const int sp = (int)((j - 1) % DB_STAGES);
        db_wait(empty + sp, (uint32_t)(((j - 1) / DB_STAGES) & 1));
        issue(tn, sp);
      }
    }
    db_apply(v, y, t * TILE + (int64_t)tid * DB_VEC, key, threshold, scale);
  }
  // The partial last tile, by the block whose turn it is: whole vectors, then single elements.
  if (whole * TILE < n && (whole % step) == blockIdx.x) {
    const int64_t i = whole * TILE + (int64_t)tid * DB_VEC;
    if (i + DB_VEC <= n) {
      db_apply(load_vec<DB_VEC>(x + i), y, i, key, threshold, scale);
    } else {
      for (int64_t e = i; e < n; ++e) {
        const int keep = foundry_dropout_keep(foundry_philox_u32(key, (uint64_t)e), threshold);
        y[e] = from_f(keep ? to_f(x[e]) * scale : 0.0f);
      }
    }
  }
}
