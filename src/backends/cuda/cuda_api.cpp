#include "backends/cuda/cuda_api.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <vector>

#include <fmt/format.h>

namespace foundry::cuda {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> candidates(const char* env, const std::vector<std::string>& sonames) {
  std::vector<std::string> out;
  if (const char* e = std::getenv(env); e && *e) return {e};
  for (const auto& s : sonames) out.push_back(s);
  std::vector<std::string> dirs;
  if (const char* h = std::getenv("CUDA_HOME"); h && *h) dirs.push_back(std::string(h) + "/lib64");
  if (const char* h = std::getenv("CUDA_PATH"); h && *h) dirs.push_back(std::string(h) + "/lib64");
  dirs.push_back("/usr/local/cuda/lib64");
  for (const auto& d : dirs)
    for (const auto& s : sonames)
      if (std::find(out.begin(), out.end(), d + "/" + s) == out.end()) out.push_back(d + "/" + s);
  return out;
}

void* open_first(const std::vector<std::string>& names, std::string* tried) {
  for (const auto& n : names) {
    if (void* h = dlopen(n.c_str(), RTLD_NOW | RTLD_LOCAL)) return h;
    if (tried) *tried += (tried->empty() ? "" : ", ") + n;
  }
  return nullptr;
}

std::string file_of(void* symbol) {
  Dl_info info{};
  if (symbol && dladdr(symbol, &info) && info.dli_fname) return info.dli_fname;
  return "";
}

template <typename F>
bool bind(void* h, F& fn, std::initializer_list<const char*> names, std::string* missing) {
  for (const char* n : names)
    if (void* s = dlsym(h, n)) {
      fn = reinterpret_cast<F>(s);
      return true;
    }
  *missing += std::string(missing->empty() ? "" : ", ") + *names.begin();
  return false;
}

std::string find_include_dir(const std::string& nvrtc_file) {
  std::vector<fs::path> dirs;
  if (const char* e = std::getenv("FOUNDRY_CUDA_INCLUDE"); e && *e) dirs.emplace_back(e);
  if (const char* h = std::getenv("CUDA_HOME"); h && *h) dirs.push_back(fs::path(h) / "include");
  if (!nvrtc_file.empty()) {
    std::error_code ec;
    fs::path real = fs::canonical(nvrtc_file, ec);
    if (!ec) {
      dirs.push_back(real.parent_path().parent_path() / "include");
      dirs.push_back(real.parent_path().parent_path().parent_path() / "include");
    }
  }
  dirs.emplace_back("/usr/local/cuda/include");
  dirs.emplace_back("/usr/include");
  for (const auto& d : dirs)
    if (fs::exists(d / "cuda_fp16.h") && fs::exists(d / "cuda_bf16.h")) return d.string();
  return "";
}

}  // namespace

std::string Nvrtc::version() const {
  int major = 0, minor = 0;
  Version(&major, &minor);
  return fmt::format("nvrtc {}.{}", major, minor);
}

bool Nvrtc::has_own_cache() const {
  int major = 0, minor = 0;
  Version(&major, &minor);
  return major > 12 || (major == 12 && minor >= 9);
}

std::string Driver::error_text(CUresult r) const {
  const char* name = nullptr;
  const char* text = nullptr;
  GetErrorName(r, &name);
  GetErrorString(r, &text);
  return fmt::format("{} ({}): {}", name ? name : "CUDA_ERROR", r, text ? text : "unknown error");
}

const Nvrtc* nvrtc(std::string* why) {
  static std::once_flag once;
  static Nvrtc api;
  static std::string error;
  static bool ok = false;
  std::call_once(once, [] {
    std::string tried;
    void* h = open_first(candidates("FOUNDRY_NVRTC", {"libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12"}), &tried);
    if (!h) {
      error = "libnvrtc not found (tried " + tried + "; set FOUNDRY_NVRTC)";
      return;
    }
    std::string missing;
    bind(h, api.Version, {"nvrtcVersion"}, &missing);
    bind(h, api.CreateProgram, {"nvrtcCreateProgram"}, &missing);
    bind(h, api.DestroyProgram, {"nvrtcDestroyProgram"}, &missing);
    bind(h, api.CompileProgram, {"nvrtcCompileProgram"}, &missing);
    bind(h, api.GetProgramLogSize, {"nvrtcGetProgramLogSize"}, &missing);
    bind(h, api.GetProgramLog, {"nvrtcGetProgramLog"}, &missing);
    bind(h, api.GetCUBINSize, {"nvrtcGetCUBINSize"}, &missing);
    bind(h, api.GetCUBIN, {"nvrtcGetCUBIN"}, &missing);
    bind(h, api.GetErrorString, {"nvrtcGetErrorString"}, &missing);
    if (!missing.empty()) {
      error = "libnvrtc lacks " + missing + " (CUDA 11.1 or newer is needed)";
      return;
    }
    api.library = file_of(reinterpret_cast<void*>(api.Version));
    api.include_dir = find_include_dir(api.library);
    if (api.include_dir.empty()) {
      error = "CUDA headers (cuda_fp16.h, cuda_bf16.h) not found next to " + api.library +
              " or in /usr/local/cuda/include; set FOUNDRY_CUDA_INCLUDE";
      return;
    }
    ok = true;
  });
  if (!ok && why) *why = error;
  return ok ? &api : nullptr;
}

const Driver* driver(std::string* why) {
  static std::once_flag once;
  static Driver api;
  static std::string error;
  static bool ok = false;
  std::call_once(once, [] {
    std::string tried;
    void* h = open_first(candidates("FOUNDRY_LIBCUDA", {"libcuda.so.1", "libcuda.so"}), &tried);
    if (!h) {
      error = "libcuda (the NVIDIA driver) not found (tried " + tried + ")";
      return;
    }
    std::string m;
    bind(h, api.Init, {"cuInit"}, &m);
    bind(h, api.DriverGetVersion, {"cuDriverGetVersion"}, &m);
    bind(h, api.DeviceGetCount, {"cuDeviceGetCount"}, &m);
    bind(h, api.DeviceGet, {"cuDeviceGet"}, &m);
    bind(h, api.DeviceGetName, {"cuDeviceGetName"}, &m);
    bind(h, api.DeviceGetAttribute, {"cuDeviceGetAttribute"}, &m);
    bind(h, api.DevicePrimaryCtxRetain, {"cuDevicePrimaryCtxRetain"}, &m);
    bind(h, api.CtxSetCurrent, {"cuCtxSetCurrent"}, &m);
    bind(h, api.CtxSynchronize, {"cuCtxSynchronize"}, &m);
    bind(h, api.ModuleLoadData, {"cuModuleLoadData"}, &m);
    bind(h, api.ModuleUnload, {"cuModuleUnload"}, &m);
    bind(h, api.ModuleGetFunction, {"cuModuleGetFunction"}, &m);
    bind(h, api.ModuleGetGlobal, {"cuModuleGetGlobal_v2"}, &m);
    bind(h, api.FuncSetAttribute, {"cuFuncSetAttribute"}, &m);
    bind(h, api.LaunchKernel, {"cuLaunchKernel"}, &m);
    bind(h, api.MemAlloc, {"cuMemAlloc_v2"}, &m);
    bind(h, api.MemFree, {"cuMemFree_v2"}, &m);
    bind(h, api.MemcpyHtoD, {"cuMemcpyHtoD_v2"}, &m);
    bind(h, api.MemcpyDtoH, {"cuMemcpyDtoH_v2"}, &m);
    bind(h, api.MemcpyDtoDAsync, {"cuMemcpyDtoDAsync_v2"}, &m);
    bind(h, api.MemsetD8Async, {"cuMemsetD8Async"}, &m);
    bind(h, api.MemsetD16Async, {"cuMemsetD16Async"}, &m);
    bind(h, api.MemsetD32Async, {"cuMemsetD32Async"}, &m);
    bind(h, api.EventCreate, {"cuEventCreate"}, &m);
    bind(h, api.EventDestroy, {"cuEventDestroy_v2", "cuEventDestroy"}, &m);
    bind(h, api.EventRecord, {"cuEventRecord"}, &m);
    bind(h, api.EventSynchronize, {"cuEventSynchronize"}, &m);
    bind(h, api.EventQuery, {"cuEventQuery"}, &m);
    bind(h, api.EventElapsedTime, {"cuEventElapsedTime_v2", "cuEventElapsedTime"}, &m);
    bind(h, api.GetErrorName, {"cuGetErrorName"}, &m);
    bind(h, api.GetErrorString, {"cuGetErrorString"}, &m);
    std::string optional;  // a thread-block cluster launch says so when it is missing
    bind(h, api.LaunchKernelEx, {"cuLaunchKernelEx"}, &optional);
    bind(h, api.MemAllocHost, {"cuMemAllocHost_v2", "cuMemAllocHost"}, &optional);
    bind(h, api.MemFreeHost, {"cuMemFreeHost"}, &optional);
    bind(h, api.MemcpyHtoDAsync, {"cuMemcpyHtoDAsync_v2", "cuMemcpyHtoDAsync"}, &optional);
    if (!m.empty()) {
      error = "libcuda lacks " + m;
      return;
    }
    api.library = file_of(reinterpret_cast<void*>(api.Init));
    if (CUresult r = api.Init(0); r != 0) {
      const char* name = nullptr;
      api.GetErrorName(r, &name);
      error = fmt::format("cuInit failed: {} (no usable NVIDIA GPU or driver)", name ? name : std::to_string(r));
      return;
    }
    int n = 0;
    if (api.DeviceGetCount(&n) != 0 || n == 0) {
      error = "the NVIDIA driver sees no GPU";
      return;
    }
    ok = true;
  });
  if (!ok && why) *why = error;
  return ok ? &api : nullptr;
}

}  // namespace foundry::cuda
