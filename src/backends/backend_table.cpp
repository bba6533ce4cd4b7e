#include "backends/backend_table.hpp"

#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "backends/cpu/cpu_backend.hpp"
#include "backends/cpu/cpu_executor.hpp"
#include "backends/cpu/cpu_runtime.hpp"
#include "backends/cuda/cuda_backend.hpp"
#include "backends/cuda/cuda_executor.hpp"
#include "backends/cuda/cuda_runtime.hpp"

namespace foundry {

// Floor margins (BackendRow::floor_margin): the highest traffic rate honest
// variants reached, as a multiple of the measured copy bandwidth, with room
// above it. Measured as the best pct_of_copy per op of a prefill session with
// the cache flushed between timed runs (bench/summarize.py).
// - cpu: 2.0. `foundry run -n 8 --dtypes f32 bf16 --shapes prefill` (every
//   op, 142 ok records, 2-core EPYC, copy 54 GB/s) peaks at 137 % of copy
//   (kv_append_memcpy bf16 with streaming stores; dequantize_simd f32 122 %):
//   kernels that stream their stores beat memcpy, which is not the ceiling;
//   docs/BENCHMARKS.md has scatter bf16 at 146 % on another machine. The copy
//   bandwidth is measured once per machine and these machines are shared, so
//   a bandwidth taken under load makes honest kernels look faster: 2.0 leaves
//   a third above the highest honest figure. A kernel that skips its work is
//   tens to thousands of times faster than that.
// - cuda: 1.15. On the H200 (4215 GB/s device-to-device copy) the fastest
//   honest variants of every op at the bf16 prefill shapes, L2 flushed, reach
//   103 % of copy (swiglu_vec; docs/BENCHMARKS.md, 1,378 records): 1.15 leaves
//   12 % above that for run-to-run spread.
const std::vector<BackendRow>& backend_table() {
  static const std::vector<BackendRow> rows{
      {"cpu", "host C++ compiler, dlopen", "steady_clock", "", make_cpu_backend,
       [] { return std::unique_ptr<Executor>(std::make_unique<CpuExecutor>()); }, cpu_availability, cpu_copy_gbps, 2.0,
       "C++20 for the host compiler (-O3 -march=native, shared object); the pool runs one call per block",
       "static inline void kernel(int64_t block, int64_t num_blocks, ",
       "T (the dtype), to_f/from_f (T to float and back, bf16 rounded to nearest even), FOUNDRY_INLINE, "
       "FOUNDRY_RESTRICT, eight-lane vectors v8f with load8/store8/store8_nt/aligned8/store_fence, "
       "copy_row (streaming row copy), the Philox helpers",
       true},
      {"cuda", "NVRTC and the CUDA driver API, opened at run time", "cuda_event", "sm_90", make_cuda_backend,
       [] { return std::unique_ptr<Executor>(std::make_unique<CudaExecutor>()); }, cuda_availability, cuda_copy_gbps,
       1.15, "CUDA C++ compiled by NVRTC; every thread of the 1-D grid calls the kernel",
       "__device__ __forceinline__ void kernel(",
       "T (float, __half or __nv_bfloat16), to_f/from_f, FOUNDRY_RESTRICT, FOUNDRY_LAUNCH_BOUNDS (define it to "
       "set __launch_bounds__), Vec<Len> with load_vec/store_vec and evict-first load_vec_cs/store_vec_cs, Raw<Bytes> byte-width copies (load, store), "
       "warp_sum/warp_max, block_sum/block_max, rowgroup_* row-group helpers, lanes_argmax, grouped_* expert "
       "tiling helpers, the Philox helpers"},
  };
  return rows;
}

const BackendRow& backend_row(const std::string& name) {
  for (const auto& row : backend_table())
    if (row.name == name) return row;
  throw std::invalid_argument(fmt::format("--backend {}: unknown backend ({})", name, fmt::join(backend_names(), ", ")));
}

std::vector<std::string> backend_names() {
  std::vector<std::string> names;
  for (const auto& row : backend_table()) names.push_back(row.name);
  return names;
}

}  // namespace foundry
