// ---
// id: layernorm_cluster
// op: layernorm
// backend: cuda
// summary: split row for few rows (sm_90) - a thread-block cluster of CLUSTER blocks per row, THREADS threads each, VEC-element loads; when cols <= CLUSTER*THREADS*VEC*ITEMS the row is held in registers for the exact two-pass mean/variance (sums shifted by the row's first element, so a constant row's mean is exact) and the write (one read, one write), else streaming re-reads; the blocks' partial sums meet through distributed shared memory
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
#error "layernorm_cluster launches thread-block clusters: sm_90 or newer"
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
// base + (i*kSpan + u)*kVec .. +kVec (rowgroup_col); columns past the row read as the shift, x0.
// The mean is x0 + sum(x - x0)/cols with x0 the row's first element (one more load, the same address for
// every thread): a constant row sums exact zeros, so its mean is x0 and every deviation exactly 0 (y = beta),
// whatever the summation order; a plain sum(x)/cols is off by rounding that 1/sqrt(eps) magnifies.

template <bool ALIGNED>
static __device__ __forceinline__ void ln_row(const T* x, const T* gamma, const T* beta, T* y, int64_t cols, float eps,
                                              int u, float* slots_mean, float* slots_var) {
  const float shift = to_f(x[0]);
  float v[kItems][kVec];
  if (cols <= kCap) {  // the row in registers: one read, one write
    rowgroup_load<kSpan, kVec, kItems, ALIGNED>(x, 0, cols, u, true, v, shift);
    const float mean =
        shift + cluster_reduce<kCluster, kWarps, false>(items_shifted_sum(v, shift), slots_mean) / (float)cols;
    const float var =
        cluster_reduce<kCluster, kWarps, false>(items_dev_squares<kSpan, ALIGNED>(v, 0, cols, u, mean), slots_var) /
        (float)cols;
    cluster_arrive();  // this block is done reading the others' slots
    const float inv = 1.0f / sqrtf(var + eps);
    const auto out = [=](float f, ColAt gc, ColAt bc) { return (f - mean) * inv * gc + bc; };  // gc, bc: gamma, beta
    rowgroup_store<kSpan, ALIGNED>(y, 0, cols, u, true, v, out, gamma, beta);
  } else {  // sum, squared deviations, write, each re-reading x
    float s = 0.0f;
    for (int64_t base = 0; base < cols; base += kCap) {
      rowgroup_load<kSpan, kVec, kItems, ALIGNED>(x, base, cols, u, true, v, shift);
      s += items_shifted_sum(v, shift);
    }
    const float mean = shift + cluster_reduce<kCluster, kWarps, false>(s, slots_mean) / (float)cols;
    float ss = 0.0f;
    for (int64_t base = 0; base < cols; base += kCap) {
      rowgroup_load<kSpan, kVec, kItems, ALIGNED>(x, base, cols, u, true, v, 0.0f);
      ss += items_dev_squares<kSpan, ALIGNED>(v, base, cols, u, mean);
    }
    const float var = cluster_reduce<kCluster, kWarps, false>(ss, slots_var) / (float)cols;
    cluster_arrive();
    const float inv = 1.0f / sqrtf(var + eps);
    const auto out = [=](float f, ColAt gc, ColAt bc) { return (f - mean) * inv * gc + bc; };  // gc, bc: gamma, beta
    for (int64_t base = 0; base < cols; base += kCap) {
      rowgroup_load<kSpan, kVec, kItems, ALIGNED>(x, base, cols, u, true, v, 0.0f);
      rowgroup_store<kSpan, ALIGNED>(y, base, cols, u, true, v, out, gamma, beta);
    }
  }
}

__device__ __forceinline__ void kernel(const T* FOUNDRY_RESTRICT x, const T* FOUNDRY_RESTRICT gamma,
                                       const T* FOUNDRY_RESTRICT beta, T* FOUNDRY_RESTRICT y, int64_t rows,
                                       int64_t cols, float eps) {
  __shared__ float slots_mean[kWarps], slots_var[kWarps];
  // The grid is rows * kCluster blocks: cluster r (blocks r*kCluster ..) owns row r.
  const int64_t r = blockIdx.x / kCluster;
  const int u = (int)cluster_rank() * kThreads + (int)threadIdx.x;
  (void)rows;
  if (cols % kVec == 0)
    ln_row<true>(x + r * cols, gamma, beta, y + r * cols, cols, eps, u, slots_mean, slots_var);
  else
    ln_row<false>(x + r * cols, gamma, beta, y + r * cols, cols, eps, u, slots_mean, slots_var);
  cluster_wait();  // no block leaves while another may still read its slots
}
