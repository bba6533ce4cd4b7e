// ---
// id: grouped_gemm_wmma
// op: grouped_gemm
// backend: cuda
// summary: tensor-core (WMMA) grouped GEMM; BM x BN output tiles inside one expert's rows, WARPS_M x WARPS_N warps with (BM/WARPS_M) x (BN/WARPS_N) each in 16x16 f32 accumulator fragments; BK-deep slices of x and w[e] staged raw in padded shared memory (16-byte loads, next slice prefetched into registers, when k_dim and n_dim are multiples of 16 bytes; else scalar loads); f16/bf16 use m16n16k16 MMAs, f32 uses three TF32 MMAs per step (hi*hi + hi*lo + lo*hi) for f32-grade accuracy
// knobs:
//   BM: [32, 64, 128]
//   BN: [64, 128]
//   BK: [16, 32]
//   WARPS_M: [1, 2, 4]
//   WARPS_N: [1, 2, 4]
// constraints:
//   - BM % (16 * WARPS_M) == 0
//   - BN % (16 * WARPS_N) == 0
//   - (BM / WARPS_M / 16) * (BN / WARPS_N / 16) <= 8
//   - WARPS_M * WARPS_N >= 2
//   - (BM * (BK + 4) + BK * (BN + 4)) * 4 + WARPS_M * WARPS_N * 1024 <= 49152
// launch:
//   grid: (cdiv(total_rows, BM) + experts) * cdiv(n_dim, BN)
//   threads: 32 * WARPS_M * WARPS_N
// ---
#include <mma.h>

constexpr int kBM = {{BM}}, kBN = {{BN}}, kBK = {{BK}};
constexpr int kWarpsM = {{WARPS_M}}, kWarpsN = {{WARPS_N}};
constexpr int kWarps = kWarpsM * kWarpsN, kThreads = 32 * kWarps;
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__(32 * {{WARPS_M}} * {{WARPS_N}}, 1)
constexpr int kWM = kBM / kWarpsM, kWN = kBN / kWarpsN;  // a warp's sub-tile
constexpr int kFM = kWM / 16, kFN = kWN / 16;            // its 16x16 accumulator fragments
constexpr int kVec = 16 / (int)sizeof(T);                // elements per 16-byte load
constexpr int kLdA = kBK + kVec, kLdB = kBN + kVec;      // padded shared rows: conflict-free fragment loads
// 16-byte staging: every thread keeps one vector column and steps over rows.
constexpr int kAPerRow = kBK / kVec, kBPerRow = kBN / kVec;
constexpr int kAStep = kThreads / kAPerRow, kBStep = kThreads / kBPerRow;
constexpr int kALoads = (kBM + kAStep - 1) / kAStep, kBLoads = (kBK + kBStep - 1) / kBStep;

#if defined(FOUNDRY_DTYPE_F32)
constexpr int kFK = 8;
typedef nvcuda::wmma::precision::tf32 FragT;
#else
constexpr int kFK = 16;
typedef T FragT;
#endif
typedef nvcuda::wmma::fragment<nvcuda::wmma::matrix_a, 16, 16, kFK, FragT, nvcuda::wmma::row_major> FragA;
typedef nvcuda::wmma::fragment<nvcuda::wmma::matrix_b, 16, 16, kFK, FragT, nvcuda::wmma::row_major> FragB;
typedef nvcuda::wmma::fragment<nvcuda::wmma::accumulator, 16, 16, kFK, float> FragC;

struct Tile {
  int64_t row0, n0;  // first row (global) and column of the tile
  int rows;          // rows of the tile inside its expert's group (1..kBM)
  const T* we;       // the expert's weights
};

#if defined(FOUNDRY_DTYPE_F32)
// v = hi + lo with both parts exact in TF32; lo carries the bits TF32 drops.
template <typename Frag>
static __device__ __forceinline__ void split_tf32(const Frag& v, Frag& hi, Frag& lo) {
#pragma unroll
  for (int t = 0; t < v.num_elements; ++t) {
    const float f = v.x[t], h = nvcuda::wmma::__float_to_tf32(f);  // v may be hi itself
    hi.x[t] = h;
    lo.x[t] = nvcuda::wmma::__float_to_tf32(f - h);
  }
}
#endif

// acc += As * Bs over one staged slice, for this warp's fragments.
static __device__ __forceinline__ void mma_slice(const T (*As)[kLdA], const T (*Bs)[kLdB], int wm0, int wn0,
                                                 FragC (&acc)[kFM][kFN]) {
#pragma unroll
  for (int kk = 0; kk < kBK; kk += kFK) {
    FragA a[kFM];
    FragB b[kFN];
#pragma unroll
    for (int i = 0; i < kFM; ++i) nvcuda::wmma::load_matrix_sync(a[i], &As[wm0 + 16 * i][kk], kLdA);
#pragma unroll
    for (int j = 0; j < kFN; ++j) nvcuda::wmma::load_matrix_sync(b[j], &Bs[kk][wn0 + 16 * j], kLdB);
#if defined(FOUNDRY_DTYPE_F32)
    FragA alo[kFM];
    FragB blo[kFN];
#pragma unroll
    for (int i = 0; i < kFM; ++i) split_tf32(a[i], a[i], alo[i]);
#pragma unroll
    for (int j = 0; j < kFN; ++j) split_tf32(b[j], b[j], blo[j]);
#pragma unroll
    for (int i = 0; i < kFM; ++i)
#pragma unroll
      for (int j = 0; j < kFN; ++j) {  // small terms first
        nvcuda::wmma::mma_sync(acc[i][j], alo[i], b[j], acc[i][j]);
        nvcuda::wmma::mma_sync(acc[i][j], a[i], blo[j], acc[i][j]);
        nvcuda::wmma::mma_sync(acc[i][j], a[i], b[j], acc[i][j]);
      }
#else
#pragma unroll
    for (int i = 0; i < kFM; ++i)
#pragma unroll
      for (int j = 0; j < kFN; ++j) nvcuda::wmma::mma_sync(acc[i][j], a[i], b[j], acc[i][j]);
#endif
  }
}

// k_dim % kVec == 0 and n_dim % kVec == 0: every staged vector lies inside or outside the
// matrix as a whole, and is 16-byte aligned.
static __device__ __forceinline__ void tile_vec(const T* x, const Tile& t, int64_t k_dim, int64_t n_dim,
                                                T (*As)[kLdA], T (*Bs)[kLdB], int wm0, int wn0,
                                                FragC (&acc)[kFM][kFN]) {
  const int tid = threadIdx.x;
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
      if (kBM % kAStep == 0 || m < kBM) store_vec<kVec>(&As[m][ak], ra[l]);
    }
#pragma unroll
    for (int l = 0; l < kBLoads; ++l) {
      const int kk = bk + l * kBStep;
      if (kBK % kBStep == 0 || kk < kBK) store_vec<kVec>(&Bs[kk][bn], rb[l]);
    }
    __syncthreads();
    if (k0 + kBK < k_dim) fetch(k0 + kBK);  // in flight during the MMAs below
    mma_slice(As, Bs, wm0, wn0, acc);
  }
}

// Any shape: scalar loads straight into shared memory, zero outside the matrix.
static __device__ __forceinline__ void tile_scalar(const T* x, const Tile& t, int64_t k_dim, int64_t n_dim,
                                                   T (*As)[kLdA], T (*Bs)[kLdB], int wm0, int wn0,
                                                   FragC (&acc)[kFM][kFN]) {
  const int tid = threadIdx.x;
#pragma unroll 1
  for (int64_t k0 = 0; k0 < k_dim; k0 += kBK) {
    __syncthreads();  // the previous slice has been read
#pragma unroll 1
    for (int q = tid; q < kBM * kBK; q += kThreads) {  // consecutive threads along k
      const int m = q / kBK, kk = q % kBK;
      const int64_t k = k0 + kk;
      As[m][kk] = (m < t.rows && k < k_dim) ? x[(t.row0 + m) * k_dim + k] : from_f(0.0f);
    }
#pragma unroll 1
    for (int q = tid; q < kBK * kBN; q += kThreads) {  // consecutive threads along n
      const int kk = q / kBN, nn = q % kBN;
      const int64_t k = k0 + kk, n = t.n0 + nn;
      Bs[kk][nn] = (k < k_dim && n < n_dim) ? t.we[k * n_dim + n] : from_f(0.0f);
    }
    __syncthreads();
    mma_slice(As, Bs, wm0, wn0, acc);
  }
}

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT x, const T* FOUNDRY_RESTRICT w,
                                       const int32_t* FOUNDRY_RESTRICT expert_offsets, T* FOUNDRY_RESTRICT y,
                                       int64_t total_rows, int64_t experts, int64_t k_dim, int64_t n_dim) {
  __shared__ __align__(32) T As[kBM][kLdA];           // x slice: As[m][k]
  __shared__ __align__(32) T Bs[kBK][kLdB];           // w slice: Bs[k][n]
  __shared__ __align__(32) float Cs[kWarps][16][16];  // one accumulator fragment per warp on its way out
  const int tid = threadIdx.x, lane = tid % 32, warp = tid / 32;
  const int wm0 = (warp / kWarpsN) * kWM, wn0 = (warp % kWarpsN) * kWN;

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

    FragC acc[kFM][kFN];
#pragma unroll
    for (int i = 0; i < kFM; ++i)
#pragma unroll
      for (int j = 0; j < kFN; ++j) nvcuda::wmma::fill_fragment(acc[i][j], 0.0f);
    if (vec_ok)
      tile_vec(x, t, k_dim, n_dim, As, Bs, wm0, wn0, acc);
    else
      tile_scalar(x, t, k_dim, n_dim, As, Bs, wm0, wn0, acc);

    // Each warp writes its fragments through its own 16x16 staging square.
#pragma unroll
    for (int i = 0; i < kFM; ++i)
#pragma unroll
      for (int j = 0; j < kFN; ++j) {
        nvcuda::wmma::store_matrix_sync(&Cs[warp][0][0], acc[i][j], 16, nvcuda::wmma::mem_row_major);
        __syncwarp();
#pragma unroll
        for (int q = 0; q < 8; ++q) {
          const int r = q * 2 + lane / 16, c = lane % 16;
          const int m = wm0 + 16 * i + r;
          const int64_t n = t.n0 + wn0 + 16 * j + c;
          if (m < t.rows && n < n_dim) y[(t.row0 + m) * n_dim + n] = from_f(Cs[warp][r][c]);
        }
        __syncwarp();  // Cs[warp] is read before the next fragment lands in it
      }
  }
}
