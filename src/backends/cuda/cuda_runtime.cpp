#include "backends/cuda/cuda_runtime.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <thread>
#include <fstream>
#include <iterator>
#include <vector>

#include <fmt/format.h>

#include "backends/copy_bandwidth.hpp"

namespace foundry {

bool is_sticky_cuda_error(int code) {
  // Illegal address, launch failure, misaligned address, illegal instruction,
  // invalid pc, hardware stack error, assert, launch timeout: all leave the
  // context unusable.
  switch (code) {
    case 700: case 702: case 710: case 714: case 715: case 716: case 717: case 718: case 719:
      return true;
    default:
      return false;
  }
}

int cuda_device_count() {
  const cuda::Driver* d = cuda::driver();
  int n = 0;
  if (d && d->DeviceGetCount(&n) != 0) n = 0;
  return n;
}

CudaContext::CudaContext() {
  std::string why;
  api_ = cuda::driver(&why);
  if (!api_) throw CudaError(-1, "cuda: " + why);
  cuda::CUdevice dev = 0;
  check(api_->DeviceGet(&dev, 0), "cuDeviceGet");
  cuda::CUcontext ctx = nullptr;
  check(api_->DevicePrimaryCtxRetain(&ctx, dev), "cuDevicePrimaryCtxRetain");
  check(api_->CtxSetCurrent(ctx), "cuCtxSetCurrent");
  check(api_->DeviceGetAttribute(&l2_bytes_, cuda::kAttrL2CacheSize, dev), "cuDeviceGetAttribute(L2)");
  check(api_->DeviceGetAttribute(&max_threads_, cuda::kAttrMaxThreadsPerBlock, dev), "cuDeviceGetAttribute");
  check(api_->DeviceGetAttribute(&sms_, cuda::kAttrMultiprocessorCount, dev), "cuDeviceGetAttribute(SMs)");
}

namespace {
constexpr std::size_t kStagingBytes = std::size_t{32} << 20;  // per staging buffer
constexpr int kStagingThreads = 8;

// memcpy by `threads` threads over contiguous slices (one thread copies about 10 GB/s).
void parallel_memcpy(void* dst, const void* src, std::size_t n, int threads) {
  std::vector<std::thread> pool;
  const std::size_t part = (n + static_cast<std::size_t>(threads) - 1) / static_cast<std::size_t>(threads);
  for (int t = 1; t < threads; ++t) {
    const std::size_t b = std::min(n, part * static_cast<std::size_t>(t)), e = std::min(n, b + part);
    if (b < e) pool.emplace_back([=] { std::memcpy(static_cast<char*>(dst) + b, static_cast<const char*>(src) + b, e - b); });
  }
  std::memcpy(dst, src, std::min(n, part));
  for (auto& th : pool) th.join();
}
}  // namespace

CudaContext::~CudaContext() {
  for (int i = 0; i < 2; ++i) {
    if (sent_[i]) api_->EventDestroy(sent_[i]);
    if (staging_[i]) api_->MemFreeHost(staging_[i]);
  }
}

bool CudaContext::staged_upload(cuda::CUdeviceptr dst, const void* src, std::size_t bytes) const {
  if (!api_->MemAllocHost || !api_->MemFreeHost || !api_->MemcpyHtoDAsync) return false;
  if (!staging_[0]) {
    for (int i = 0; i < 2; ++i) {
      if (api_->MemAllocHost(&staging_[i], kStagingBytes) != 0 || api_->EventCreate(&sent_[i], 0) != 0) {
        for (int j = 0; j <= i; ++j) {
          if (staging_[j]) api_->MemFreeHost(staging_[j]);
          if (sent_[j]) api_->EventDestroy(sent_[j]);
          staging_[j] = nullptr;
          sent_[j] = nullptr;
        }
        return false;  // no pinned memory to spare: the plain copy
      }
    }
  }
  const char* from = static_cast<const char*>(src);
  bool used[2] = {false, false};
  for (std::size_t off = 0, k = 0; off < bytes; off += kStagingBytes, ++k) {
    const int slot = static_cast<int>(k % 2);
    const std::size_t n = std::min(kStagingBytes, bytes - off);
    if (used[slot]) check(api_->EventSynchronize(sent_[slot]), "cuEventSynchronize");  // its last chunk has left
    parallel_memcpy(staging_[slot], from + off, n, kStagingThreads);
    check(api_->MemcpyHtoDAsync(dst + off, staging_[slot], n, nullptr), "cuMemcpyHtoDAsync");
    check(api_->EventRecord(sent_[slot], nullptr), "cuEventRecord");
    used[slot] = true;
  }
  for (int i = 0; i < 2; ++i)
    if (used[i]) check(api_->EventSynchronize(sent_[i]), "cuEventSynchronize");
  return true;
}

void CudaContext::upload(cuda::CUdeviceptr dst, const void* src, std::size_t bytes) const {
  constexpr std::size_t kLarge = std::size_t{4} << 20;  // below this the staging costs more than it saves
  if (bytes >= kLarge && staged_upload(dst, src, bytes)) return;
  check(api_->MemcpyHtoD(dst, src, bytes), "cuMemcpyHtoD");
}

void CudaContext::check(cuda::CUresult r, const char* what) const {
  if (r != 0) throw CudaError(r, fmt::format("{}: {}", what, api_->error_text(r)));
}

DeviceBuffer::DeviceBuffer(const CudaContext& ctx, std::size_t bytes) : ctx_(ctx), bytes_(bytes) {
  ctx.check(ctx.api().MemAlloc(&ptr_, std::max<std::size_t>(bytes, 1)), "cuMemAlloc");
}

DeviceBuffer::~DeviceBuffer() {
  if (ptr_) ctx_.api().MemFree(ptr_);
}

CudaKernel::CudaKernel(const CudaContext& ctx, const std::string& cubin_path, const char* entry) : ctx_(ctx) {
  std::ifstream in(cubin_path, std::ios::binary);
  std::string image((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (image.empty()) throw CudaError(-1, "cannot read " + cubin_path);
  ctx.check(ctx.api().ModuleLoadData(&module_, image.data()), "cuModuleLoadData");
  ctx.check(ctx.api().ModuleGetFunction(&fn_, module_, entry), (std::string("cuModuleGetFunction ") + entry).c_str());
  // The cluster size the backend compiled in (cuda_backend.cpp, assemble), if any.
  cuda::CUdeviceptr at = 0;
  std::size_t bytes = 0;
  if (ctx.api().ModuleGetGlobal(&at, &bytes, module_, "foundry_cluster_blocks") == 0) {
    if (bytes != sizeof(int)) throw CudaError(-1, fmt::format("{}: foundry_cluster_blocks is {} bytes, not an int", cubin_path, bytes));
    ctx.check(ctx.api().MemcpyDtoH(&cluster_, at, sizeof(int)), "cuMemcpyDtoH(foundry_cluster_blocks)");
    if (cluster_ < 1 || cluster_ > 16)
      throw CudaError(1, fmt::format("{}: a cluster of {} blocks (1..16)", cubin_path, cluster_));
    if (!ctx.api().LaunchKernelEx)
      throw CudaError(-1, fmt::format("{} launches thread-block clusters, and {} lacks cuLaunchKernelEx (a driver for "
                                      "CUDA 11.8 or newer is needed)", cubin_path, ctx.api().library));
    // Clusters over 8 blocks (sm_90: up to 16) are non-portable: opted into per kernel.
    if (cluster_ > 8)
      ctx.check(ctx.api().FuncSetAttribute(fn_, cuda::kFuncAttrNonPortableClusterSizeAllowed, 1),
                "cuFuncSetAttribute(NON_PORTABLE_CLUSTER_SIZE_ALLOWED)");
  }
}

CudaKernel::~CudaKernel() {
  if (module_) ctx_.api().ModuleUnload(module_);
}

cuda::CUresult CudaKernel::launch(long long grid, int threads, long long smem, void** args) const {
  // More than 48 KiB of dynamic shared memory must be asked for first.
  if (smem > 48 * 1024) {
    if (cuda::CUresult r = ctx_.api().FuncSetAttribute(fn_, cuda::kFuncAttrMaxDynamicSmem, static_cast<int>(smem)); r != 0)
      return r;
  }
  if (grid < 1 || grid > 0x7fffffffLL) return 1;  // CUDA_ERROR_INVALID_VALUE
  if (cluster_ > 0) {
    if (grid % cluster_ != 0) return 912;  // CUDA_ERROR_INVALID_CLUSTER_SIZE: the grid is not whole clusters
    cuda::LaunchAttribute attr{};
    attr.id = cuda::kLaunchAttrClusterDimension;
    attr.value.cluster_dim = {static_cast<unsigned>(cluster_), 1, 1};
    cuda::LaunchConfig cfg{};
    cfg.grid_x = static_cast<unsigned>(grid);
    cfg.grid_y = cfg.grid_z = 1;
    cfg.block_x = static_cast<unsigned>(threads);
    cfg.block_y = cfg.block_z = 1;
    cfg.shared_mem_bytes = static_cast<unsigned>(smem);
    cfg.stream = nullptr;
    cfg.attrs = &attr;
    cfg.num_attrs = 1;
    return ctx_.api().LaunchKernelEx(&cfg, fn_, args, nullptr);
  }
  return ctx_.api().LaunchKernel(fn_, static_cast<unsigned>(grid), 1, 1, static_cast<unsigned>(threads), 1, 1,
                                 static_cast<unsigned>(smem), nullptr, args, nullptr);
}

double measure_cuda_copy_gbps(const CudaContext& ctx) {
  const auto& api = ctx.api();
  const std::size_t bytes = std::size_t{1} << 30;
  DeviceBuffer a(ctx, bytes), b(ctx, bytes);
  ctx.check(api.MemsetD8Async(a.ptr(), 1, bytes, nullptr), "cuMemsetD8Async");
  cuda::CUevent e0 = nullptr, e1 = nullptr;
  ctx.check(api.EventCreate(&e0, 0), "cuEventCreate");
  ctx.check(api.EventCreate(&e1, 0), "cuEventCreate");
  std::vector<double> gbps;
  for (int i = 0; i < 23; ++i) {
    ctx.check(api.EventRecord(e0, nullptr), "cuEventRecord");
    ctx.check(api.MemcpyDtoDAsync(b.ptr(), a.ptr(), bytes, nullptr), "cuMemcpyDtoDAsync");
    ctx.check(api.EventRecord(e1, nullptr), "cuEventRecord");
    ctx.check(api.EventSynchronize(e1), "cuEventSynchronize");
    float ms = 0;
    ctx.check(api.EventElapsedTime(&ms, e0, e1), "cuEventElapsedTime");
    if (i >= 3) gbps.push_back(2.0 * static_cast<double>(bytes) / (ms * 1e-3) / 1e9);
  }
  api.EventDestroy(e0);
  api.EventDestroy(e1);
  std::nth_element(gbps.begin(), gbps.begin() + gbps.size() / 2, gbps.end());
  return gbps[gbps.size() / 2];
}

double cuda_copy_gbps(const std::filesystem::path& cache_root, const std::string& device) {
  return cached_copy_gbps(cache_root / "cuda", device, "cuMemcpyDtoD of 1 GiB, CUDA events, median of 20", [] {
    CudaContext ctx;
    return measure_cuda_copy_gbps(ctx);
  });
}

}  // namespace foundry
