// CUDA kernel prelude, prepended to every rendered CUDA kernel after one
// FOUNDRY_DTYPE_* define; the Philox header follows it. It gives templates:
//   T                        storage type of the candidate dtype (float, __half, __nv_bfloat16)
//   to_f(T) / from_f(float)  load as float / store from float (round-to-nearest-even)
//   FOUNDRY_RESTRICT         restrict qualifier for pointer parameters
//   Vec<N>, load_vec<N>, store_vec<N>
//                            N consecutive elements as one aligned access
//                            (16 bytes when N * sizeof(T) == 16)
//   warp_sum / warp_max      butterfly reductions over the 32 lanes of a warp
//   block_sum / block_max    reductions over the whole block (blockDim.x a
//                            multiple of 32, at most 1024), result in every thread
// A template defines
//   __device__ __forceinline__ void kernel(<ABI params>)
// which the generated entry point foundry_kernel calls once per thread. It may
// define FOUNDRY_LAUNCH_BOUNDS (e.g. __launch_bounds__({{THREADS}})) before that.
#if defined(__CUDACC_RTC__)
// NVRTC provides no C library headers.
typedef signed char int8_t;
typedef unsigned char uint8_t;
typedef short int16_t;
typedef unsigned short uint16_t;
typedef int int32_t;
typedef unsigned int uint32_t;
typedef long long int64_t;
typedef unsigned long long uint64_t;
#ifndef INFINITY
#define INFINITY __int_as_float(0x7f800000)
#endif
#ifndef NAN
#define NAN __int_as_float(0x7fffffff)
#endif
#else
#include <math.h>
#include <stdint.h>
#endif
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#define FOUNDRY_RESTRICT __restrict__

#if defined(FOUNDRY_DTYPE_F32)
typedef float T;
static __device__ __forceinline__ float to_f(T v) { return v; }
static __device__ __forceinline__ T from_f(float f) { return f; }
#elif defined(FOUNDRY_DTYPE_F16)
typedef __half T;
static __device__ __forceinline__ float to_f(T v) { return __half2float(v); }
static __device__ __forceinline__ T from_f(float f) { return __float2half_rn(f); }
#elif defined(FOUNDRY_DTYPE_BF16)
typedef __nv_bfloat16 T;
static __device__ __forceinline__ float to_f(T v) { return __bfloat162float(v); }
static __device__ __forceinline__ T from_f(float f) { return __float2bfloat16_rn(f); }
#else
#error "rendered kernel lacks a FOUNDRY_DTYPE_* define"
#endif

// N consecutive elements moved as one access; the caller guarantees alignment
// of N * sizeof(T) bytes (rows whose length is a multiple of N, base pointers
// from the allocator are 256-byte aligned).
template <int N>
struct alignas(N * sizeof(T)) Vec {
  T v[N];
};

template <int N>
static __device__ __forceinline__ Vec<N> load_vec(const T* p) {
  return *reinterpret_cast<const Vec<N>*>(p);
}

template <int N>
static __device__ __forceinline__ void store_vec(T* p, const Vec<N>& v) {
  *reinterpret_cast<Vec<N>*>(p) = v;
}

static __device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

static __device__ __forceinline__ float warp_max(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// Raw<B>: B bytes of a row moved as one access (two 16-byte halves when
// B = 32), loaded through the read-only path; store(p, cs) with cs true uses
// the evict-first (.cs) hint so written rows do not push inputs out of L2.
// The copy templates pick B = VEC * sizeof(T).
template <int B>
struct Raw;
template <>
struct Raw<4> {
  unsigned int a;
  static __device__ __forceinline__ Raw load(const void* p) {
    Raw r;
    r.a = __ldg(static_cast<const unsigned int*>(p));
    return r;
  }
  __device__ __forceinline__ void store(void* p, bool cs) const {
    if (cs) __stcs(static_cast<unsigned int*>(p), a);
    else *static_cast<unsigned int*>(p) = a;
  }
};
template <>
struct Raw<8> {
  uint2 a;
  static __device__ __forceinline__ Raw load(const void* p) {
    Raw r;
    r.a = __ldg(static_cast<const uint2*>(p));
    return r;
  }
  __device__ __forceinline__ void store(void* p, bool cs) const {
    if (cs) __stcs(static_cast<uint2*>(p), a);
    else *static_cast<uint2*>(p) = a;
  }
};
template <>
struct Raw<16> {
  uint4 a;
  static __device__ __forceinline__ Raw load(const void* p) {
    Raw r;
    r.a = __ldg(static_cast<const uint4*>(p));
    return r;
  }
  __device__ __forceinline__ void store(void* p, bool cs) const {
    if (cs) __stcs(static_cast<uint4*>(p), a);
    else *static_cast<uint4*>(p) = a;
  }
};
template <>
struct Raw<32> {
  uint4 a, b;
  static __device__ __forceinline__ Raw load(const void* p) {
    Raw r;
    r.a = __ldg(static_cast<const uint4*>(p));
    r.b = __ldg(static_cast<const uint4*>(p) + 1);
    return r;
  }
  __device__ __forceinline__ void store(void* p, bool cs) const {
    if (cs) {
      __stcs(static_cast<uint4*>(p), a);
      __stcs(static_cast<uint4*>(p) + 1, b);
    } else {
      static_cast<uint4*>(p)[0] = a;
      static_cast<uint4*>(p)[1] = b;
    }
  }
};

// Whole-block reductions through 32 floats of static shared memory. Every
// thread of the block must call them (they contain __syncthreads).
static __device__ __forceinline__ float block_sum(float v) {
  __shared__ float partial[32];
  v = warp_sum(v);
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, warps = (blockDim.x + 31) >> 5;
  __syncthreads();  // partial[] may still be read by a previous call
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  v = lane < warps ? partial[lane] : 0.0f;
  return warp_sum(v);
}

static __device__ __forceinline__ float block_max(float v) {
  __shared__ float partial[32];
  v = warp_max(v);
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, warps = (blockDim.x + 31) >> 5;
  __syncthreads();
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  v = lane < warps ? partial[lane] : -INFINITY;
  return warp_max(v);
}
