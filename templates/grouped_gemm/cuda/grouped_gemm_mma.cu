// ---
// id: grouped_gemm_mma
// op: grouped_gemm
// backend: cuda
// summary: tensor-core grouped GEMM on mma.sync (PTX); BM x BN output tiles inside one expert's rows (group g takes cdiv(rows_g, BM) m-tiles, in order), WARPS_M x WARPS_N warps with (BM/WARPS_M) x (BN/WARPS_N) each; STAGES-deep cp.async.cg (16-byte, zero-filled outside the matrix) pipeline of BK-deep slices in XOR-swizzled dynamic shared memory, one barrier per slice; f16/bf16 fragments by ldmatrix (x and .trans for w[e]'s k-major rows) into m16n8k16 MMAs with f32 accumulation; f32 stages the same bytes (BK/2 deep) and runs three m16n8k8 TF32 MMAs per step (hi*hi + hi*lo + lo*hi) for f32-grade accuracy; scalar staging when k_dim or n_dim is not a multiple of 16 bytes; MIN_BLOCKS is the launch-bounds residency (caps registers)
// knobs:
//   BM: [16, 32, 64, 128]
//   BN: [32, 64, 128, 256]
//   BK: [32, 64]
//   WARPS_M: [1, 2, 4]
//   WARPS_N: [1, 2, 4]
//   STAGES: [2, 3, 4]
//   MIN_BLOCKS: [1, 2]
// constraints:
//   - BM % (16 * WARPS_M) == 0
//   - BN % (16 * WARPS_N) == 0
//   - (BM / WARPS_M / 16) * (BN / WARPS_N / 8) <= 32
//   - WARPS_M * WARPS_N >= 2
//   - MIN_BLOCKS * (STAGES * (BM + BN) * BK * 2 + 1024) <= 233472
//   - MIN_BLOCKS * 32 * WARPS_M * WARPS_N * ((BM / WARPS_M / 16) * (BN / WARPS_N / 8) * 4 + 40) <= 65536
// launch:
//   grid: (cdiv(total_rows, BM) + experts) * cdiv(n_dim, BN)
//   threads: 32 * WARPS_M * WARPS_N
//   smem: STAGES * (BM + BN) * BK * 2
// ---
constexpr int kBM = {{BM}}, kBN = {{BN}}, kBK = {{BK}}, kStages = {{STAGES}};
constexpr int kWarpsM = {{WARPS_M}}, kWarpsN = {{WARPS_N}};
constexpr int kThreads = 32 * kWarpsM * kWarpsN;
// MIN_BLOCKS resident blocks per SM cap the registers at 65536 / (threads * MIN_BLOCKS).
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__(32 * {{WARPS_M}} * {{WARPS_N}}, {{MIN_BLOCKS}})

// Staging works in 16-byte chunks. A stage holds BK * 2 bytes of every x row, so
// kKS = BK elements of k for 16-bit types and BK / 2 for f32: every dtype needs the
// launch's STAGES * (BM + BN) * BK * 2 bytes.
constexpr int kVec = 16 / (int)sizeof(T);          // elements per chunk
constexpr int kKS = kBK * 2 / (int)sizeof(T);      // k per stage
constexpr int kCprA = kBK * 2 / 16;                // chunks per x row of a stage (BM rows)
constexpr int kCprB = kBN * (int)sizeof(T) / 16;   // chunks per w row of a stage (kKS rows)
constexpr int kAChunks = kBM * kCprA, kBChunks = kKS * kCprB;
constexpr int kStageBytes = (kAChunks + kBChunks) * 16;
constexpr int kALoads = (kAChunks + kThreads - 1) / kThreads, kBLoads = (kBChunks + kThreads - 1) / kThreads;
constexpr int kWM = kBM / kWarpsM, kWN = kBN / kWarpsN;  // a warp's sub-tile
constexpr int kMI = kWM / 16, kNI = kWN / 8;             // its m16n8 accumulator tiles
static_assert(kWM % 16 == 0 && kWN % 16 == 0, "warp tile must be whole 16x16 blocks");
static_assert(kKS % 16 == 0, "a stage must hold whole k16 (k8 for f32) steps");

// Chunk c of row r in a tile of Cpr chunks per row: XOR-swizzled inside each
// aligned group of 8 chunks (one 128-byte line), so the 8 rows an ldmatrix phase
// (or a TF32 fragment load) reads at one logical chunk land on 8 different
// 16-byte bank groups. Rows of fewer than 8 chunks share a line: the swizzle
// then uses the line index.
template <int Cpr>
static __device__ __forceinline__ int swz(int r, int c) {
  constexpr int kRowsPerLine = Cpr >= 8 ? 1 : 8 / Cpr;
  constexpr int kSpan = Cpr >= 8 ? 8 : Cpr;
  return r * Cpr + (c ^ ((r / kRowsPerLine) % kSpan));
}

static __device__ __forceinline__ uint32_t smem_u32(const void* p) {
  return (uint32_t)__cvta_generic_to_shared(p);
}

// 16 bytes global -> shared, bypassing L1; bytes = 0 writes zeros and reads nothing.
static __device__ __forceinline__ void cp_async16(uint32_t dst, const void* src, int bytes) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src), "r"(bytes) : "memory");
}
static __device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
template <int Pending>
static __device__ __forceinline__ void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(Pending) : "memory");
}

struct Tile {
  int64_t row0, n0;  // first row (global) and column of the tile
  int rows;          // rows of the tile inside its expert's group (1..kBM)
  const T* we;       // the expert's weights, k_dim x n_dim
};

// A thread's share of a stage: chunk column ac of x rows ar + l * kARowStep and chunk
// column bc of w rows br + l * kBRowStep (kThreads is a multiple of both chunk-row widths,
// so the columns stay fixed). Set once per tile; a stage adds only its k0.
constexpr int kARowStep = kThreads / kCprA, kBRowStep = kThreads / kCprB;
static_assert(kThreads % kCprA == 0 && kThreads % kCprB == 0, "chunk columns must stay fixed per thread");
struct Loader {
  const T* a;            // x at (row0 + ar, ac * kVec)
  const T* b;            // w[e] at (br, n0 + bc * kVec)
  int64_t a_step, b_step;  // kARowStep rows of x, kBRowStep rows of w, in elements
  int ar, ac, br, bc;
  int a_rows_left;       // rows of the tile from ar on
  int b_cols_left;       // columns of w from the thread's chunk on (n_dim - n0 - bc * kVec)
};

static __device__ __forceinline__ Loader make_loader(const T* x, const Tile& t, int64_t k_dim, int64_t n_dim) {
  Loader L;
  const int tid = threadIdx.x;
  L.ar = tid / kCprA;
  L.ac = tid % kCprA;
  L.br = tid / kCprB;
  L.bc = tid % kCprB;
  L.a = x + (t.row0 + L.ar) * k_dim + L.ac * kVec;
  L.b = t.we + (int64_t)L.br * n_dim + t.n0 + L.bc * kVec;
  L.a_step = (int64_t)kARowStep * k_dim;
  L.b_step = (int64_t)kBRowStep * n_dim;
  L.a_rows_left = t.rows - L.ar;
  const int64_t cl = n_dim - t.n0 - L.bc * kVec;
  L.b_cols_left = cl > kBN ? kBN : (int)cl;
  return L;
}

// One slice of k (k0 .. k0 + kKS) of x and w[e] into stage st, zeros outside the
// matrices. Vectorised: every chunk lies wholly inside or outside (k_dim, n_dim
// multiples of kVec) and moves by cp.async; else element by element.
template <bool Vectorised>
static __device__ __forceinline__ void load_stage(unsigned char* st, const T* x, const Loader& L, int64_t k0,
                                                  int64_t k_dim, int64_t n_dim) {
  const uint32_t sa = smem_u32(st);
  const int64_t ak = k_dim - k0 - L.ac * kVec;  // x columns left from this thread's chunk
#pragma unroll
  for (int l = 0; l < kALoads; ++l) {
    const int r = L.ar + l * kARowStep;
    if (kAChunks % kThreads == 0 || r < kBM) {
      const T* src = L.a + k0 + l * L.a_step;
      const int off = swz<kCprA>(r, L.ac) * 16;
      const bool row_in = l * kARowStep < L.a_rows_left;
      if constexpr (Vectorised) {
        const bool in = row_in && ak > 0;
        cp_async16(sa + off, in ? src : x, in ? 16 : 0);
      } else {
        Vec<kVec> v;
#pragma unroll
        for (int e = 0; e < kVec; ++e) v.v[e] = (row_in && e < ak) ? src[e] : from_f(0.0f);
        store_vec<kVec>(reinterpret_cast<T*>(st + off), v);
      }
    }
  }
  const int64_t bk = k_dim - k0 - L.br;  // w rows left from this thread's first row
#pragma unroll
  for (int l = 0; l < kBLoads; ++l) {
    const int r = L.br + l * kBRowStep;
    if (kBChunks % kThreads == 0 || r < kKS) {
      const T* src = L.b + k0 * n_dim + l * L.b_step;
      const int off = kAChunks * 16 + swz<kCprB>(r, L.bc) * 16;
      const bool row_in = l * kBRowStep < bk;
      if constexpr (Vectorised) {
        const bool in = row_in && L.b_cols_left > 0;
        cp_async16(sa + off, in ? src : x, in ? 16 : 0);
      } else {
        Vec<kVec> v;
#pragma unroll
        for (int e = 0; e < kVec; ++e) v.v[e] = (row_in && e < L.b_cols_left) ? src[e] : from_f(0.0f);
        store_vec<kVec>(reinterpret_cast<T*>(st + off), v);
      }
    }
  }
}

#if defined(FOUNDRY_DTYPE_F32)
static __device__ __forceinline__ uint32_t to_tf32(float f) {
  uint32_t r;
  asm("cvt.rna.tf32.f32 %0, %1;\n" : "=r"(r) : "f"(f));
  return r;
}
// f = hi + lo, both exact in TF32.
static __device__ __forceinline__ void split_tf32(float f, uint32_t& hi, uint32_t& lo) {
  hi = to_tf32(f);
  lo = to_tf32(f - __uint_as_float(hi));
}
static __device__ __forceinline__ void mma_tf32(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm(
      "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
      "{%0,%1,%2,%3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}
static __device__ __forceinline__ float lds_f32(const unsigned char* p) { return *reinterpret_cast<const float*>(p); }

// acc += x slice * w slice for this warp: k8 steps, A element (r, k) at chunk k/4 of row r,
// B element (k, n) at chunk n/4 of row k; lane (g, q) = (lane / 4, lane % 4).
static __device__ __forceinline__ void mma_stage(const unsigned char* st, int wm0, int wn0,
                                                 float (&acc)[kMI][kNI][4]) {
  const int lane = threadIdx.x % 32, g = lane / 4, q = lane % 4;
  const unsigned char* sa = st;
  const unsigned char* sb = st + kAChunks * 16;
#pragma unroll
  for (int kk = 0; kk < kKS; kk += 8) {
    uint32_t ahi[kMI][4], alo[kMI][4], bhi[kNI][2], blo[kNI][2];
#pragma unroll
    for (int i = 0; i < kMI; ++i) {
      const int r = wm0 + 16 * i + g;
#pragma unroll
      for (int h = 0; h < 4; ++h) {  // a0 (g, q), a1 (g+8, q), a2 (g, q+4), a3 (g+8, q+4)
        const int rr = r + (h & 1) * 8, k = kk + q + (h >> 1) * 4;
        split_tf32(lds_f32(sa + swz<kCprA>(rr, k / 4) * 16 + (k % 4) * 4), ahi[i][h], alo[i][h]);
      }
    }
#pragma unroll
    for (int j = 0; j < kNI; ++j) {
      const int n = wn0 + 8 * j + g;
#pragma unroll
      for (int h = 0; h < 2; ++h) {  // b0 (k = q, n = g), b1 (k = q + 4, n = g)
        const int k = kk + q + 4 * h;
        split_tf32(lds_f32(sb + swz<kCprB>(k, n / 4) * 16 + (n % 4) * 4), bhi[j][h], blo[j][h]);
      }
    }
#pragma unroll
    for (int i = 0; i < kMI; ++i)
#pragma unroll
      for (int j = 0; j < kNI; ++j) {  // small terms first
        mma_tf32(acc[i][j], alo[i], bhi[j][0], bhi[j][1]);
        mma_tf32(acc[i][j], ahi[i], blo[j][0], blo[j][1]);
        mma_tf32(acc[i][j], ahi[i], bhi[j][0], bhi[j][1]);
      }
  }
}
#else
static __device__ __forceinline__ void ldsm_x4(uint32_t (&r)[4], uint32_t addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr)
               : "memory");
}
static __device__ __forceinline__ void ldsm_x4_trans(uint32_t (&r)[4], uint32_t addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr)
               : "memory");
}
#if defined(FOUNDRY_DTYPE_BF16)
#define GG_AB "bf16"
#else
#define GG_AB "f16"
#endif
static __device__ __forceinline__ void mma_16x8x16(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm("mma.sync.aligned.m16n8k16.row.col.f32." GG_AB "." GG_AB ".f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
      "{%0,%1,%2,%3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// acc += x slice * w slice for this warp, k16 steps. x: ldmatrix.x4 of rows (lane % 16) at
// k chunk (lane / 16) gives a0..a3 (rows 0-7 / 8-15, k 0-7 / 8-15). w: ldmatrix.x4.trans of
// k rows (lane % 16) at n chunk (lane / 16) gives b0, b1 of two adjacent n8 blocks.
static __device__ __forceinline__ void mma_stage(const unsigned char* st, int wm0, int wn0,
                                                 float (&acc)[kMI][kNI][4]) {
  const int lane = threadIdx.x % 32;
  const uint32_t sa = smem_u32(st), sb = sa + kAChunks * 16;
#pragma unroll
  for (int kk = 0; kk < kKS; kk += 16) {
    uint32_t a[kMI][4], b[kNI / 2][4];
#pragma unroll
    for (int i = 0; i < kMI; ++i)
      ldsm_x4(a[i], sa + swz<kCprA>(wm0 + 16 * i + lane % 16, kk / 8 + lane / 16) * 16);
#pragma unroll
    for (int j = 0; j < kNI / 2; ++j)
      ldsm_x4_trans(b[j], sb + swz<kCprB>(kk + lane % 16, (wn0 + 16 * j) / 8 + lane / 16) * 16);
#pragma unroll
    for (int i = 0; i < kMI; ++i)
#pragma unroll
      for (int j = 0; j < kNI; ++j) mma_16x8x16(acc[i][j], a[i], b[j / 2][(j % 2) * 2], b[j / 2][(j % 2) * 2 + 1]);
  }
}
#endif

// The whole k loop of one tile: STAGES - 1 slices in flight ahead of the one being multiplied.
template <bool Vectorised>
static __device__ __forceinline__ void tile_k_loop(unsigned char* smem, const T* x, const Tile& t, int64_t k_dim,
                                                   int64_t n_dim, int wm0, int wn0, float (&acc)[kMI][kNI][4]) {
  const Loader L = make_loader(x, t, k_dim, n_dim);
  const int64_t ktiles = (k_dim + kKS - 1) / kKS;
#pragma unroll
  for (int s = 0; s < kStages - 1; ++s) {
    if (s < ktiles) load_stage<Vectorised>(smem + s * kStageBytes, x, L, (int64_t)s * kKS, k_dim, n_dim);
    cp_async_commit();
  }
  int read = 0, write = kStages - 1;
#pragma unroll 1
  for (int64_t kt = 0; kt < ktiles; ++kt) {
    cp_async_wait<kStages - 2>();  // this thread's copies of slice kt have landed
    __syncthreads();               // everyone's have; and everyone is done with slice kt - 1
    const int64_t next = kt + kStages - 1;
    if (next < ktiles) load_stage<Vectorised>(smem + write * kStageBytes, x, L, next * kKS, k_dim, n_dim);
    cp_async_commit();
    mma_stage(smem + read * kStageBytes, wm0, wn0, acc);
    read = read + 1 == kStages ? 0 : read + 1;
    write = write + 1 == kStages ? 0 : write + 1;
  }
  cp_async_wait<0>();
  __syncthreads();  // the next tile's prologue may overwrite any stage
}

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT x, const T* FOUNDRY_RESTRICT w,
                                       const int32_t* FOUNDRY_RESTRICT expert_offsets, T* FOUNDRY_RESTRICT y,
                                       int64_t total_rows, int64_t experts, int64_t k_dim, int64_t n_dim) {
  extern __shared__ __align__(128) unsigned char gg_smem[];
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  const int wm0 = (warp / kWarpsN) * kWM, wn0 = (warp % kWarpsN) * kWN;

  // Rows in no expert's group stay 0, as in the reference.
  grouped_zero_loose_rows<kThreads>(y, expert_offsets, total_rows, experts, n_dim);

  const bool vec_ok = k_dim % kVec == 0 && n_dim % kVec == 0;
  const int64_t n_tiles = (n_dim + kBN - 1) / kBN;
  const int64_t tiles = ((total_rows + kBM - 1) / kBM + experts) * n_tiles;
  for (int64_t tile = blockIdx.x; tile < tiles; tile += gridDim.x) {  // uniform per block
    Tile t;
    t.n0 = (tile % n_tiles) * kBN;
    const int64_t e = grouped_tile_expert<kBM>(expert_offsets, total_rows, experts, tile / n_tiles, &t.row0, &t.rows);
    if (e < 0) continue;  // past the last group's tiles
    t.we = w + e * k_dim * n_dim;

    float acc[kMI][kNI][4];
#pragma unroll
    for (int i = 0; i < kMI; ++i)
#pragma unroll
      for (int j = 0; j < kNI; ++j)
#pragma unroll
        for (int h = 0; h < 4; ++h) acc[i][j][h] = 0.0f;
    if (vec_ok)
      tile_k_loop<true>(gg_smem, x, t, k_dim, n_dim, wm0, wn0, acc);
    else
      tile_k_loop<false>(gg_smem, x, t, k_dim, n_dim, wm0, wn0, acc);

    // c0, c1 at (g, 2q), (g, 2q + 1); c2, c3 at row g + 8. Pairs go out as one store when
    // n_dim is even (then 2q columns are pair-aligned).
    const int g = lane / 4, q = lane % 4;
    const bool pairs = n_dim % 2 == 0;
#pragma unroll
    for (int i = 0; i < kMI; ++i)
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int m = wm0 + 16 * i + g + 8 * h;
        if (m >= t.rows) continue;
        T* yr = y + (t.row0 + m) * n_dim;
#pragma unroll
        for (int j = 0; j < kNI; ++j) {
          const int64_t n = t.n0 + wn0 + 8 * j + 2 * q;
          if (pairs && n + 1 < n_dim) {
            Vec<2> v;
            v.v[0] = from_f(acc[i][j][2 * h]);
            v.v[1] = from_f(acc[i][j][2 * h + 1]);
            store_vec<2>(yr + n, v);
          } else {
            if (n < n_dim) yr[n] = from_f(acc[i][j][2 * h]);
            if (n + 1 < n_dim) yr[n + 1] = from_f(acc[i][j][2 * h + 1]);
          }
        }
      }
  }
}
