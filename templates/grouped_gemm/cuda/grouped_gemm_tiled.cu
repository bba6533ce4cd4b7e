// ---
// id: grouped_gemm_tiled
// op: grouped_gemm
// backend: cuda
// summary: shared-memory tiled FMA GEMM per expert group; BM x BN output tiles (each inside one expert's rows), BK-deep slices of x and w[e] staged in shared memory as float; 16-byte global loads with the next slice prefetched into registers during the current one's FMAs when k_dim and n_dim are multiples of 16 bytes (else scalar loads); THREADS/32 x 32 threads, each with BM/(THREADS/32) x BN/32 outputs strided across the tile (broadcast and conflict-free shared reads, coalesced stores); f32 accumulation; OCC picks the register cap (occupancy against ILP)
// knobs:
//   BM: [16, 32, 64, 128]
//   BN: [32, 64, 128]
//   BK: [8, 16, 32]
//   THREADS: [64, 128, 256]
//   OCC: [1, 2]
// constraints:
//   - BM * BN <= 64 * THREADS
//   - (BM + BN) * BK <= 32 * THREADS
//   - OCC == 1 || (BM * BN <= 16 * THREADS && (BM + BN) * BK <= 16 * THREADS)
// launch:
//   grid: (cdiv(total_rows, BM) + experts) * cdiv(n_dim, BN)
//   threads: THREADS
// ---
// OCC: asks ptxas to fit OCC * 256 threads per SM (register cap 255 or 128 per thread).
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}}, {{OCC}} * 256 / {{THREADS}})

constexpr int kBM = {{BM}}, kBN = {{BN}}, kBK = {{BK}}, kThreads = {{THREADS}};
constexpr int kSN = 32;              // thread columns (a warp spans the tile's width)
constexpr int kSM = kThreads / kSN;  // thread rows
constexpr int kTM = kBM / kSM;       // outputs per thread: rows ty + i*kSM ...
constexpr int kTN = kBN / kSN;       // ... and columns tx + j*kSN
constexpr int kVec = 16 / (int)sizeof(T);  // elements per 16-byte load: 8 (f16, bf16) or 4 (f32)
// 16-byte staging: x slice rows of kBK / kVec vectors, w slice rows of kBN / kVec vectors;
// both counts divide kThreads, so each thread keeps one column and steps over rows.
constexpr int kAPerRow = kBK / kVec, kBPerRow = kBN / kVec;
constexpr int kAStep = kThreads / kAPerRow, kBStep = kThreads / kBPerRow;
constexpr int kALoads = (kBM + kAStep - 1) / kAStep, kBLoads = (kBK + kBStep - 1) / kBStep;

struct Tile {
  int64_t row0, n0;  // first row (global) and column of the tile
  int rows;          // rows of the tile inside its expert's group (1..kBM)
  const T* we;       // the expert's weights
};

// acc += As * Bs for one staged slice (shared reads: As broadcast within a warp, Bs conflict-free).
static __device__ __forceinline__ void mma_slice(const float (*As)[kBK], const float (*Bs)[kBN], int tx, int ty,
                                                 float (&acc)[kTM][kTN]) {
#pragma unroll
  for (int kk = 0; kk < kBK; kk += 4) {
    float b[4][kTN];
#pragma unroll
    for (int u = 0; u < 4; ++u)
#pragma unroll
      for (int j = 0; j < kTN; ++j) b[u][j] = Bs[kk + u][tx + j * kSN];
#pragma unroll
    for (int i = 0; i < kTM; ++i) {
      const float4 a = *reinterpret_cast<const float4*>(&As[ty + i * kSM][kk]);
#pragma unroll
      for (int j = 0; j < kTN; ++j) {
        acc[i][j] = fmaf(a.x, b[0][j], acc[i][j]);
        acc[i][j] = fmaf(a.y, b[1][j], acc[i][j]);
        acc[i][j] = fmaf(a.z, b[2][j], acc[i][j]);
        acc[i][j] = fmaf(a.w, b[3][j], acc[i][j]);
      }
    }
  }
}

// k_dim % kVec == 0 and n_dim % kVec == 0: every staged vector lies inside or outside the
// matrix as a whole, and is 16-byte aligned.
static __device__ __forceinline__ void tile_vec(const T* x, const Tile& t, int64_t k_dim, int64_t n_dim,
                                                float (*As)[kBK], float (*Bs)[kBN], float (&acc)[kTM][kTN]) {
  const int tid = threadIdx.x, tx = tid % kSN, ty = tid / kSN;
  const int am = tid / kAPerRow, ak = (tid % kAPerRow) * kVec;  // x: rows am + l*kAStep, columns ak..
  const int bk = tid / kBPerRow, bn = (tid % kBPerRow) * kVec;  // w: rows bk + l*kBStep, columns bn..
  const bool b_in = t.n0 + bn < n_dim;
  const T* pa = x + (t.row0 + am) * k_dim + ak;
  const T* pb = t.we + (int64_t)bk * n_dim + t.n0 + bn;
  const int64_t a_step = (int64_t)kAStep * k_dim, b_step = (int64_t)kBStep * n_dim;
  Vec<kVec> ra[kALoads], rb[kBLoads];
  auto fetch = [&](int64_t k0) {
    const bool a_in = k0 + ak < k_dim;
#pragma unroll
    for (int l = 0; l < kALoads; ++l) {
      const int m = am + l * kAStep;
      if ((kBM % kAStep == 0 || m < kBM) && m < t.rows && a_in) {
        ra[l] = load_vec<kVec>(pa + k0 + l * a_step);
      } else {
#pragma unroll
        for (int e = 0; e < kVec; ++e) ra[l].v[e] = from_f(0.0f);
      }
    }
#pragma unroll
    for (int l = 0; l < kBLoads; ++l) {
      const int kk = bk + l * kBStep;
      if ((kBK % kBStep == 0 || kk < kBK) && k0 + kk < k_dim && b_in) {
        rb[l] = load_vec<kVec>(pb + k0 * n_dim + l * b_step);
      } else {
#pragma unroll
        for (int e = 0; e < kVec; ++e) rb[l].v[e] = from_f(0.0f);
      }
    }
  };
  fetch(0);
  for (int64_t k0 = 0; k0 < k_dim; k0 += kBK) {
    __syncthreads();  // the previous slice has been read
#pragma unroll
    for (int l = 0; l < kALoads; ++l) {
      const int m = am + l * kAStep;
      if (kBM % kAStep == 0 || m < kBM)
#pragma unroll
        for (int e = 0; e < kVec; ++e) As[m][ak + e] = to_f(ra[l].v[e]);
    }
#pragma unroll
    for (int l = 0; l < kBLoads; ++l) {
      const int kk = bk + l * kBStep;
      if (kBK % kBStep == 0 || kk < kBK)
#pragma unroll
        for (int e = 0; e < kVec; ++e) Bs[kk][bn + e] = to_f(rb[l].v[e]);
    }
    __syncthreads();
    if (k0 + kBK < k_dim) fetch(k0 + kBK);  // in flight during the FMAs below
    mma_slice(As, Bs, tx, ty, acc);
  }
}

// Any shape: scalar loads straight into shared memory, zero outside the matrix.
static __device__ __forceinline__ void tile_scalar(const T* x, const Tile& t, int64_t k_dim, int64_t n_dim,
                                                   float (*As)[kBK], float (*Bs)[kBN], float (&acc)[kTM][kTN]) {
  const int tid = threadIdx.x, tx = tid % kSN, ty = tid / kSN;
#pragma unroll 1
  for (int64_t k0 = 0; k0 < k_dim; k0 += kBK) {
    __syncthreads();  // the previous slice has been read
#pragma unroll 1
    for (int q = tid; q < kBM * kBK; q += kThreads) {  // consecutive threads along k
      const int m = q / kBK, kk = q % kBK;
      const int64_t k = k0 + kk;
      As[m][kk] = (m < t.rows && k < k_dim) ? to_f(x[(t.row0 + m) * k_dim + k]) : 0.0f;
    }
#pragma unroll 1
    for (int q = tid; q < kBK * kBN; q += kThreads) {  // consecutive threads along n
      const int kk = q / kBN, nn = q % kBN;
      const int64_t k = k0 + kk, n = t.n0 + nn;
      Bs[kk][nn] = (k < k_dim && n < n_dim) ? to_f(t.we[k * n_dim + n]) : 0.0f;
    }
    __syncthreads();
    mma_slice(As, Bs, tx, ty, acc);
  }
}

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT x, const T* FOUNDRY_RESTRICT w,
                                       const int32_t* FOUNDRY_RESTRICT expert_offsets, T* FOUNDRY_RESTRICT y,
                                       int64_t total_rows, int64_t experts, int64_t k_dim, int64_t n_dim) {
  __shared__ __align__(16) float As[kBM][kBK];  // x slice: As[m][k]
  __shared__ __align__(16) float Bs[kBK][kBN];  // w slice: Bs[k][n]
  const int tid = threadIdx.x, tx = tid % kSN, ty = tid / kSN;

  // Rows in no expert's group stay 0, as in the reference.
  grouped_zero_loose_rows<kThreads>(y, expert_offsets, total_rows, experts, n_dim);

  const bool vec_ok = k_dim % kVec == 0 && n_dim % kVec == 0;
  const int64_t n_tiles = (n_dim + kBN - 1) / kBN;
  const int64_t tiles = ((total_rows + kBM - 1) / kBM + experts) * n_tiles;
  for (int64_t tile = blockIdx.x; tile < tiles; tile += gridDim.x) {  // uniform per block
    const int64_t mt = tile / n_tiles;
    // Which expert's group holds m-tile mt: groups take cdiv(rows, BM) m-tiles each, in order.
    Tile t;
    t.n0 = (tile % n_tiles) * kBN;
    const int64_t e = grouped_tile_expert<kBM>(expert_offsets, total_rows, experts, mt, &t.row0, &t.rows);
    if (e < 0) continue;  // past the last group's tiles
    t.we = w + e * k_dim * n_dim;

    float acc[kTM][kTN];
#pragma unroll
    for (int i = 0; i < kTM; ++i)
#pragma unroll
      for (int j = 0; j < kTN; ++j) acc[i][j] = 0.0f;
    if (vec_ok)
      tile_vec(x, t, k_dim, n_dim, As, Bs, acc);
    else
      tile_scalar(x, t, k_dim, n_dim, As, Bs, acc);
#pragma unroll
    for (int i = 0; i < kTM; ++i) {
      const int m = ty + i * kSM;
      if (m < t.rows) {
#pragma unroll
        for (int j = 0; j < kTN; ++j) {
          const int64_t n = t.n0 + tx + j * kSN;
          if (n < n_dim) y[(t.row0 + m) * n_dim + n] = from_f(acc[i][j]);
        }
      }
    }
  }
}
