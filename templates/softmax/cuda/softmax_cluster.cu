// ---
// id: softmax_cluster
// op: softmax
// backend: cuda
// summary: split row for few rows (sm_90) - a thread-block cluster of CLUSTER blocks per row, THREADS threads each, VEC-element loads; when cols <= CLUSTER*THREADS*VEC*ITEMS the row is held in registers for max, exp-sum and write (one read, one write, one exp per element), else an online max/sum pass and a re-reading write pass; the blocks' maxima and sums meet through distributed shared memory
// knobs:
//   CLUSTER: [2, 4, 8, 16]
//   THREADS: [64, 128, 256, 512]
//   VEC: [4, 8]
//   ITEMS: [1, 2, 4]
//   FAST_MATH: [0, 1]
// launch:
//   grid: rows * CLUSTER
//   threads: THREADS
//   cluster: CLUSTER
// flags_if:
//   FAST_MATH: [--use_fast_math]
// ---
#if __CUDA_ARCH__ < 900
#error "softmax_cluster launches thread-block clusters: sm_90 or newer"
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
// base + (i*kSpan + u)*kVec .. +kVec (rowgroup_col). Columns past the row are loaded as -inf:
// they add nothing to the max, and exp() of them is 0 (items_max, items_exp).

template <bool ALIGNED>
static __device__ __forceinline__ void softmax_row(const T* x, T* y, int64_t cols, int u, float* slots_max,
                                                   float* slots_sum) {
  float v[kItems][kVec];
  if (cols <= kCap) {  // the row in registers: one read, one write
    rowgroup_load<kSpan, kVec, kItems, ALIGNED>(x, 0, cols, u, true, v, -INFINITY);
    const float m = cluster_reduce<kCluster, kWarps, true>(items_max(v), slots_max);
    const float s = cluster_reduce<kCluster, kWarps, false>(items_exp(v, m), slots_sum);
    cluster_arrive();  // this block is done reading the others' slots
    const float inv = 1.0f / s;
    rowgroup_store<kSpan, ALIGNED>(y, 0, cols, u, true, v, [=](float f) { return f * inv; });
  } else {  // online max and rescaled sum per thread, then a re-reading write pass
    float m = -INFINITY, s = 0.0f;
    for (int64_t base = 0; base < cols; base += kCap) {
      rowgroup_load<kSpan, kVec, kItems, ALIGNED>(x, base, cols, u, true, v, -INFINITY);
      const float cm = items_max(v);
      if (cm > m) {
        s *= expf(m - cm);  // 0 while m is still -inf (s is 0 then too)
        m = cm;
      }
      s += items_exp(v, m);
    }
    const float rm = cluster_reduce<kCluster, kWarps, true>(m, slots_max);
    s = m == -INFINITY ? 0.0f : s * expf(m - rm);
    const float inv = 1.0f / cluster_reduce<kCluster, kWarps, false>(s, slots_sum);
    cluster_arrive();
    for (int64_t base = 0; base < cols; base += kCap) {
      rowgroup_load<kSpan, kVec, kItems, ALIGNED>(x, base, cols, u, true, v, -INFINITY);
      items_exp(v, rm);
      rowgroup_store<kSpan, ALIGNED>(y, base, cols, u, true, v, [=](float f) { return f * inv; });
    }
  }
}

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT x, T* FOUNDRY_RESTRICT y, int64_t rows, int64_t cols) {
  __shared__ float slots_max[kWarps], slots_sum[kWarps];
  // The grid is rows * kCluster blocks: cluster r (blocks r*kCluster ..) owns row r.
  const int64_t r = blockIdx.x / kCluster;
  const int u = (int)cluster_rank() * kThreads + (int)threadIdx.x;
  (void)rows;
  if (cols % kVec == 0)
    softmax_row<true>(x + r * cols, y + r * cols, cols, u, slots_max, slots_sum);
  else
    softmax_row<false>(x + r * cols, y + r * cols, cols, u, slots_max, slots_sum);
  cluster_wait();  // no block leaves while another may still read its slots
}
