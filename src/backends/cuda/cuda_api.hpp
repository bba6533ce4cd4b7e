// libnvrtc and libcuda, opened at run time with dlopen so that foundry builds
// and runs on machines without CUDA. Only the handful of entry points foundry
// uses are declared, with the C ABI types they have in cuda.h and nvrtc.h.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace foundry::cuda {

using CUresult = int;
using CUdevice = int;
using CUcontext = void*;
using CUmodule = void*;
using CUfunction = void*;
using CUstream = void*;
using CUevent = void*;
using CUdeviceptr = unsigned long long;
using nvrtcResult = int;
using nvrtcProgram = void*;

// Values from cuda.h.
constexpr int kAttrMaxThreadsPerBlock = 1;
constexpr int kAttrMultiprocessorCount = 16;
constexpr int kAttrL2CacheSize = 38;
constexpr int kAttrComputeMajor = 75;
constexpr int kAttrComputeMinor = 76;
constexpr int kAttrMaxSmemPerBlockOptin = 97;
constexpr int kFuncAttrMaxDynamicSmem = 8;
constexpr CUresult kErrorNotReady = 600;
constexpr int kFuncAttrNonPortableClusterSizeAllowed = 14;
constexpr int kLaunchAttrClusterDimension = 4;  // CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION

// cuLaunchKernelEx's configuration, laid out as CUlaunchAttribute and
// CUlaunchConfig are in cuda.h (an attribute: a 4-byte id, 4 bytes of
// padding, a 64-byte value union whose clusterDim is three unsigned ints).
struct LaunchAttribute {
  int id;
  char pad[4];
  union {
    char bytes[64];
    struct {
      unsigned x, y, z;
    } cluster_dim;
  } value;
};
static_assert(sizeof(LaunchAttribute) == 72, "CUlaunchAttribute is 72 bytes");
struct LaunchConfig {
  unsigned grid_x, grid_y, grid_z;
  unsigned block_x, block_y, block_z;
  unsigned shared_mem_bytes;
  void* stream;
  LaunchAttribute* attrs;
  unsigned num_attrs;
};
static_assert(sizeof(LaunchConfig) == 56 && offsetof(LaunchConfig, stream) == 32 && offsetof(LaunchConfig, attrs) == 40 &&
                  offsetof(LaunchConfig, num_attrs) == 48,
              "CUlaunchConfig's layout (64-bit)");
static_assert(offsetof(LaunchAttribute, value) == 8, "CUlaunchAttribute's value follows 8 bytes of id");

struct Nvrtc {
  nvrtcResult (*Version)(int*, int*);
  nvrtcResult (*CreateProgram)(nvrtcProgram*, const char*, const char*, int, const char* const*, const char* const*);
  nvrtcResult (*DestroyProgram)(nvrtcProgram*);
  nvrtcResult (*CompileProgram)(nvrtcProgram, int, const char* const*);
  nvrtcResult (*GetProgramLogSize)(nvrtcProgram, size_t*);
  nvrtcResult (*GetProgramLog)(nvrtcProgram, char*);
  nvrtcResult (*GetCUBINSize)(nvrtcProgram, size_t*);
  nvrtcResult (*GetCUBIN)(nvrtcProgram, char*);
  const char* (*GetErrorString)(nvrtcResult);
  std::string library;       // the file that was opened
  std::string include_dir;   // CUDA headers (cuda_fp16.h, cuda_bf16.h) for -I
  std::string version() const;
  // NVRTC 12.9 and later keep their own cache of compiled programs, and a
  // compile served from it runs no ptxas: its log then lacks the resource
  // report (registers, shared memory, spills) that --ptxas-options=-v asks for.
  bool has_own_cache() const;
};

struct Driver {
  CUresult (*Init)(unsigned);
  CUresult (*DriverGetVersion)(int*);
  CUresult (*DeviceGetCount)(int*);
  CUresult (*DeviceGet)(CUdevice*, int);
  CUresult (*DeviceGetName)(char*, int, CUdevice);
  CUresult (*DeviceGetAttribute)(int*, int, CUdevice);
  CUresult (*DevicePrimaryCtxRetain)(CUcontext*, CUdevice);
  CUresult (*CtxSetCurrent)(CUcontext);
  CUresult (*CtxSynchronize)();
  CUresult (*ModuleLoadData)(CUmodule*, const void*);
  CUresult (*ModuleUnload)(CUmodule);
  CUresult (*ModuleGetFunction)(CUfunction*, CUmodule, const char*);
  CUresult (*ModuleGetGlobal)(CUdeviceptr*, size_t*, CUmodule, const char*);
  CUresult (*FuncSetAttribute)(CUfunction, int, int);
  CUresult (*LaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, CUstream,
                           void**, void**);
  // Optional (drivers for CUDA 11.8 and newer): null where the driver lacks it;
  // only cluster launches need it.
  CUresult (*LaunchKernelEx)(const LaunchConfig*, CUfunction, void**, void**) = nullptr;
  // Optional: pinned staging buffers and asynchronous uploads from them (CudaContext::upload).
  CUresult (*MemAllocHost)(void**, size_t) = nullptr;
  CUresult (*MemFreeHost)(void*) = nullptr;
  CUresult (*MemcpyHtoDAsync)(CUdeviceptr, const void*, size_t, CUstream) = nullptr;
  CUresult (*MemAlloc)(CUdeviceptr*, size_t);
  CUresult (*MemFree)(CUdeviceptr);
  CUresult (*MemcpyHtoD)(CUdeviceptr, const void*, size_t);
  CUresult (*MemcpyDtoH)(void*, CUdeviceptr, size_t);
  CUresult (*MemcpyDtoDAsync)(CUdeviceptr, CUdeviceptr, size_t, CUstream);
  CUresult (*MemsetD8Async)(CUdeviceptr, unsigned char, size_t, CUstream);
  CUresult (*MemsetD16Async)(CUdeviceptr, unsigned short, size_t, CUstream);
  CUresult (*MemsetD32Async)(CUdeviceptr, unsigned int, size_t, CUstream);
  CUresult (*EventCreate)(CUevent*, unsigned);
  CUresult (*EventDestroy)(CUevent);
  CUresult (*EventRecord)(CUevent, CUstream);
  CUresult (*EventSynchronize)(CUevent);
  CUresult (*EventQuery)(CUevent);
  CUresult (*EventElapsedTime)(float*, CUevent, CUevent);
  CUresult (*GetErrorName)(CUresult, const char**);
  CUresult (*GetErrorString)(CUresult, const char**);
  std::string library;
  std::string error_text(CUresult r) const;  // "CUDA_ERROR_ILLEGAL_ADDRESS: an illegal memory access ..."
};

// The loaded libraries, or nullptr with `why` saying what is missing.
// $FOUNDRY_NVRTC / $FOUNDRY_LIBCUDA name the files explicitly; otherwise the
// usual sonames, then $CUDA_HOME/lib64 and /usr/local/cuda/lib64.
const Nvrtc* nvrtc(std::string* why = nullptr);
const Driver* driver(std::string* why = nullptr);

}  // namespace foundry::cuda
