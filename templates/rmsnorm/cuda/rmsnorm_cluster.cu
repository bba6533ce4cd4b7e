// ---
// id: rmsnorm_cluster
// op: rmsnorm
// backend: cuda
// summary: split row for few rows (sm_90) - a thread-block cluster of CLUSTER blocks per row, THREADS threads each, VEC-element loads; when cols <= CLUSTER*THREADS*VEC*ITEMS the row's x and w are held in registers (one read, one write, w loaded before the reduction), else streaming re-reads; the blocks' partial sums of squares meet through distributed shared memory
// knobs:
//   CLUSTER: [2, 4, 8, 16]
//   THREADS: [64, 128, 256, 512]
//   VEC: [4, 8]
//   ITEMS: [1, 2, 4]
// launch:
//   grid: rows * CLUSTER
//   threads: THREADS
//   cluster: CLUSTER
// ---
#if __CUDA_ARCH__ < 900
#error "rmsnorm_cluster launches thread-block clusters: sm_90 or newer"
#endif
#define FOUNDRY_LAUNCH_BOUNDS __launch_bounds__({{THREADS}}, 1)

constexpr int kCluster = FOUNDRY_CLUSTER_BLOCKS;
constexpr int kThreads = {{THREADS}};
constexpr int kWarps = kThreads / 32;
constexpr int kSpan = kCluster * kThreads;  // threads over one row
constexpr int kVec = {{VEC}};
constexpr int kItems = {{ITEMS}};
constexpr int kCap = kSpan * kVec * kItems;  // elements of a row held in registers

// Thread u = rank*THREADS + threadIdx.x of the row's cluster: item i covers columns
// base + (i*kSpan + u)*kVec .. +kVec (rowgroup_col); columns past the row read as 0.
template <bool ALIGNED>
static __device__ __forceinline__ void store_items(T* y, int64_t base, int64_t cols, int u,
                                                   const float (&v)[kItems][kVec], const float (&g)[kItems][kVec],
                                                   float inv) {
#pragma unroll
  for (int i = 0; i < kItems; ++i) {
    const int64_t c0 = rowgroup_col<kSpan, kVec>(base, i, u);
    if constexpr (ALIGNED) {
      if (c0 < cols) {
        Vec<kVec> o;
#pragma unroll
        for (int e = 0; e < kVec; ++e) o.v[e] = from_f(v[i][e] * inv * g[i][e]);
        store_vec<kVec>(y + c0, o);
      }
    } else {
#pragma unroll
      for (int e = 0; e < kVec; ++e)
        if (c0 + e < cols) y[c0 + e] = from_f(v[i][e] * inv * g[i][e]);
    }
  }
}

template <bool ALIGNED>
static __device__ __forceinline__ void rms_row(const T* x, const T* w, T* y, int64_t cols, float eps, int u,
                                               float* slots) {
  float v[kItems][kVec], g[kItems][kVec];
  if (cols <= kCap) {  // the row in registers: one read, one write
    rowgroup_load<kSpan, kVec, kItems, ALIGNED>(x, 0, cols, u, true, v, 0.0f);
    rowgroup_load<kSpan, kVec, kItems, ALIGNED>(w, 0, cols, u, true, g, 0.0f);
    const float ss = cluster_reduce<kCluster, kWarps, false>(items_squares(v), slots);
    cluster_arrive();  // this block is done reading the others' slots
    store_items<ALIGNED>(y, 0, cols, u, v, g, 1.0f / sqrtf(ss / (float)cols + eps));
  } else {  // sum of squares, then a second read
    float ss = 0.0f;
    for (int64_t base = 0; base < cols; base += kCap) {
      rowgroup_load<kSpan, kVec, kItems, ALIGNED>(x, base, cols, u, true, v, 0.0f);
      ss += items_squares(v);
    }
    ss = cluster_reduce<kCluster, kWarps, false>(ss, slots);
    cluster_arrive();
    const float inv = 1.0f / sqrtf(ss / (float)cols + eps);
    for (int64_t base = 0; base < cols; base += kCap) {
      rowgroup_load<kSpan, kVec, kItems, ALIGNED>(x, base, cols, u, true, v, 0.0f);
      rowgroup_load<kSpan, kVec, kItems, ALIGNED>(w, base, cols, u, true, g, 0.0f);
      store_items<ALIGNED>(y, base, cols, u, v, g, inv);
    }
  }
}

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT x, const T* FOUNDRY_RESTRICT w,
                                       T* FOUNDRY_RESTRICT y, int64_t rows, int64_t cols, float eps) {
  __shared__ float slots[kWarps];
  // The grid is rows * kCluster blocks: cluster r (blocks r*kCluster ..) owns row r.
  const int64_t r = blockIdx.x / kCluster;
  const int u = (int)cluster_rank() * kThreads + (int)threadIdx.x;
  (void)rows;
  if (cols % kVec == 0)
    rms_row<true>(x + r * cols, w, y + r * cols, cols, eps, u, slots);
  else
    rms_row<false>(x + r * cols, w, y + r * cols, cols, eps, u, slots);
  cluster_wait();  // no block leaves while another may still read its slots
}
