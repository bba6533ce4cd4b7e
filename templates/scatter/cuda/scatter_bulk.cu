// ---
// id: scatter_bulk
// op: scatter
// backend: cuda
// summary: "persistent grid of at most CTAS blocks, each warp one copy pipeline driven by its lane 0: a source row is cut into pieces of at most CHUNK bytes, piece k of the run goes to pipeline k mod (blocks*PIPES); a piece travels src row -> shared memory by one cp.async.bulk (TMA bulk copy, completion on an mbarrier) and shared memory -> dst row idx[i] by one cp.async.bulk store, STAGES buffers of CHUNK bytes per pipeline so STAGES-1 loads stay in flight while a store drains, the pipelines' mbarriers after the buffers in the same dynamic shared memory (no static shared memory, so the launch's smem is the whole of it); dst rows not in idx are never touched; rows whose byte length is not a multiple of 16 (the bulk copies' unit) are copied by the warp's 32 lanes element by element instead; sm_90 and later"
// knobs:
//   CHUNK: [2048, 4096, 8192, 16384]
//   STAGES: [2, 3, 4]
//   PIPES: [1, 2, 4, 8]
//   CTAS: [132, 264, 528, 1056]
// constraints:
//   - PIPES * STAGES * CHUNK <= 131072
// launch:
//   grid: min(cdiv(n, PIPES), CTAS)
//   threads: 32 * PIPES
//   smem: PIPES * STAGES * (CHUNK + 8)
// ---
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__(32 * {{PIPES}})
#define BK_CHUNK {{CHUNK}}
#define BK_STAGES {{STAGES}}
#define BK_PIPES {{PIPES}}

// TMA bulk-copy helpers (PTX ISA 8.0, sm_90): an mbarrier per buffer counts the bytes of its load.
static __device__ __forceinline__ uint32_t bk_smem(const void* p) { return (uint32_t)__cvta_generic_to_shared(p); }
static __device__ __forceinline__ void bk_load(void* dst, const void* src, uint32_t bytes, uint64_t* bar) {
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(bk_smem(bar)), "r"(bytes) : "memory");
  asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];" ::"r"(bk_smem(dst)),
               "l"(src), "r"(bytes), "r"(bk_smem(bar))
               : "memory");
}
static __device__ __forceinline__ void bk_wait(uint64_t* bar, uint32_t parity) {
  asm volatile(
      "{\n .reg .pred done;\n bk_again:\n mbarrier.try_wait.parity.shared::cta.b64 done, [%0], %1;\n @!done bra bk_again;\n}" ::"r"(
          bk_smem(bar)),
      "r"(parity)
      : "memory");
}
static __device__ __forceinline__ void bk_store(void* dst, const void* src, uint32_t bytes) {
  asm volatile("cp.async.bulk.global.shared::cta.bulk_group [%0], [%1], %2;" ::"l"(dst), "r"(bk_smem(src)), "r"(bytes) : "memory");
  asm volatile("cp.async.bulk.commit_group;" ::: "memory");
}

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT src, const int32_t* FOUNDRY_RESTRICT idx,
                                       T* FOUNDRY_RESTRICT dst, int64_t vocab, int64_t n, int64_t cols) {
  (void)vocab;
  // Buffers first, then one mbarrier per buffer, all of it dynamic: the launcher asks for more
  // than 48 KiB by the dynamic size alone, so static mbarriers on top of exactly 48 KiB of
  // buffers failed to launch (CUDA_ERROR_INVALID_VALUE).
  extern __shared__ __align__(128) unsigned char bk_buf[];
  uint64_t* bars = reinterpret_cast<uint64_t*>(bk_buf + BK_PIPES * BK_STAGES * BK_CHUNK);
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int64_t row_bytes = cols * (int64_t)sizeof(T);
  const int64_t pipes = (int64_t)gridDim.x * BK_PIPES, pipe = (int64_t)blockIdx.x * BK_PIPES + warp;
  if (row_bytes % 16 != 0) {
    // No bulk copy can move such a row: the warp copies its rows element by element.
    for (int64_t i = pipe; i < n; i += pipes) {
      T* d = dst + (int64_t)__ldg(idx + i) * cols;
      for (int64_t c = lane; c < cols; c += 32) d[c] = src[i * cols + c];
    }
    return;
  }
  if (lane != 0) return;
  uint64_t* bar = bars + warp * BK_STAGES;
  unsigned char* buf = bk_buf + (int64_t)warp * BK_STAGES * BK_CHUNK;
  for (int s = 0; s < BK_STAGES; ++s)
    asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;" ::"r"(bk_smem(bar + s)) : "memory");
  asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
  asm volatile("fence.proxy.async.shared::cta;" ::: "memory");

  const int64_t per_row = (row_bytes + BK_CHUNK - 1) / BK_CHUNK;
  const int64_t items = n * per_row;
  // Piece k: bytes [q*CHUNK, ...) of source row i = k / per_row, into dst row idx[i].
  auto piece = [&](int64_t k, const unsigned char** from, unsigned char** to) -> uint32_t {
    const int64_t i = k / per_row, off = (k - i * per_row) * BK_CHUNK;
    *from = reinterpret_cast<const unsigned char*>(src + i * cols) + off;
    *to = reinterpret_cast<unsigned char*>(dst + (int64_t)__ldg(idx + i) * cols) + off;
    return (uint32_t)(row_bytes - off < BK_CHUNK ? row_bytes - off : BK_CHUNK);
  };
  const unsigned char* from;
  unsigned char* to;
  for (int s = 0; s < BK_STAGES; ++s) {
    const int64_t k = pipe + s * pipes;
    if (k >= items) break;
    const uint32_t bytes = piece(k, &from, &to);
    bk_load(buf + s * BK_CHUNK, from, bytes, bar + s);
  }
  int64_t j = 0;
  for (int64_t k = pipe; k < items; k += pipes, ++j) {
    const int s = (int)(j % BK_STAGES);
    bk_wait(bar + s, (uint32_t)((j / BK_STAGES) & 1));
    const uint32_t bytes = piece(k, &from, &to);
    bk_store(to, buf + s * BK_CHUNK, bytes);
    // The previous piece's store has read its buffer once at most one group is pending: refill it.
    if (j > 0) {
      const int64_t kn = k + (BK_STAGES - 1) * pipes;
      if (kn < items) {
        asm volatile("cp.async.bulk.wait_group.read 1;" ::: "memory");
        const int sp = (int)((j - 1) % BK_STAGES);
        const uint32_t nb = piece(kn, &from, &to);
        bk_load(buf + sp * BK_CHUNK, from, nb, bar + sp);
      }
    }
  }
  asm volatile("cp.async.bulk.wait_group 0;" ::: "memory");
}
