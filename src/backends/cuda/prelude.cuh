// CUDA kernel prelude, prepended to every rendered CUDA kernel after one
// FOUNDRY_DTYPE_* define; the Philox header follows it. It gives templates:
//   T                        storage type of the candidate dtype (float, __half, __nv_bfloat16)
//   to_f(T) / from_f(float)  load as float / store from float (round-to-nearest-even)
//   FOUNDRY_RESTRICT         restrict qualifier for pointer parameters
//   Vec<Len>, load_vec<Len>, store_vec<Len>
//                            Len consecutive elements as one aligned access
//                            (16 bytes when Len * sizeof(T) == 16)
//   warp_sum / warp_max      butterfly reductions over the 32 lanes of a warp
//   block_sum / block_max    reductions over the whole block (blockDim.x a
//                            multiple of 32, at most 1024), result in every thread
//   load_vec_cs / store_vec_cs  load_vec / store_vec with optional evict-first (.cs) hints
//   rowgroup_reduce / rowgroup_col / rowgroup_load
//                            rows handled by TPR consecutive threads each: reductions, item columns, loads
//   items_max / items_exp / items_squares / items_shifted_sum / items_dev_squares
//                            one row thread's sums and maxima over the float items rowgroup_load gives
//   rowgroup_store, ColAt    writes a row thread's items through a per-element op of column operands (gamma, beta)
//   rowgroup_load_packed / rowgroup_store_packed
//                            the same for items kept packed as stored (Vec<Len>) and widened by unpack_f
//   ranks_above / lanes_argmax  top-k selection order and its shuffle argmax over LANES lanes
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

// Len consecutive elements moved as one access; the caller guarantees alignment
// of Len * sizeof(T) bytes (rows whose length is a multiple of Len, base pointers
// from the allocator are 256-byte aligned).
template <int Len>
struct alignas(Len * sizeof(T)) Vec {
  T v[Len];
};

template <int Len>
static __device__ __forceinline__ Vec<Len> load_vec(const T* p) {
  return *reinterpret_cast<const Vec<Len>*>(p);
}

template <int Len>
static __device__ __forceinline__ void store_vec(T* p, const Vec<Len>& v) {
  *reinterpret_cast<Vec<Len>*>(p) = v;
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

// Raw<Bytes>: Bytes bytes of a row moved as one access (two 16-byte halves when
// Bytes = 32), loaded through the read-only path; store(p, cs) with cs true uses
// the evict-first (.cs) hint so written rows do not push inputs out of L2.
// The copy templates pick Bytes = Width * sizeof(T).
template <int Bytes>
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

// CsWord<Bytes>::t: the Bytes-byte word (Bytes = 2, 4, 8, 16) moved by one evict-first (__ldcs/__stcs) access.
template <int Bytes>
struct CsWord;
template <>
struct CsWord<2> { typedef unsigned short t; };
template <>
struct CsWord<4> { typedef unsigned int t; };
template <>
struct CsWord<8> { typedef uint2 t; };
template <>
struct CsWord<16> { typedef uint4 t; };

// load_vec_cs<Len, Cs> / store_vec_cs<Len, Cs>: load_vec / store_vec, as evict-first (.cs) accesses when Cs
// (a template's STREAM knob); vectors over 16 bytes go as 16-byte pieces.
template <int Len, int Cs>
static __device__ __forceinline__ Vec<Len> load_vec_cs(const T* p) {
  if constexpr (Cs) {
    constexpr int Bytes = Len * (int)sizeof(T);
    Vec<Len> v;
    if constexpr (Bytes > 16) {
#pragma unroll
      for (int k = 0; k < Bytes / 16; ++k) reinterpret_cast<uint4*>(&v)[k] = __ldcs(reinterpret_cast<const uint4*>(p) + k);
    } else {
      typedef typename CsWord<Bytes>::t R;
      *reinterpret_cast<R*>(&v) = __ldcs(reinterpret_cast<const R*>(p));
    }
    return v;
  } else {
    return load_vec<Len>(p);
  }
}

template <int Len, int Cs>
static __device__ __forceinline__ void store_vec_cs(T* p, const Vec<Len>& v) {
  if constexpr (Cs) {
    constexpr int Bytes = Len * (int)sizeof(T);
    if constexpr (Bytes > 16) {
#pragma unroll
      for (int k = 0; k < Bytes / 16; ++k) __stcs(reinterpret_cast<uint4*>(p) + k, reinterpret_cast<const uint4*>(&v)[k]);
    } else {
      typedef typename CsWord<Bytes>::t R;
      __stcs(reinterpret_cast<R*>(p), *reinterpret_cast<const R*>(&v));
    }
  } else {
    store_vec<Len>(p, v);
  }
}

// Row groups: a block of rows handled by Tpr consecutive threads each (Tpr a power of two, 2..1024).
// rowgroup_reduce<Tpr, IsMax>: max (IsMax) or sum over the Tpr threads of one row, result in all of them;
// red is __shared__ float[blockDim.x / 32] (unused when Tpr <= 32). Every thread of the block must
// call it (it contains __syncthreads when Tpr > 32).
template <int Tpr, bool IsMax>
static __device__ __forceinline__ float rowgroup_reduce(float v, float* red) {
  constexpr int kW = Tpr < 32 ? Tpr : 32;
#pragma unroll
  for (int o = kW / 2; o > 0; o >>= 1) {
    const float u = __shfl_xor_sync(0xffffffffu, v, o);
    v = IsMax ? fmaxf(v, u) : v + u;
  }
  if constexpr (Tpr > 32) {
    constexpr int kWpr = Tpr / 32;  // warps per row
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    __syncthreads();  // earlier readers of red[] are done
    if (lane == 0) red[warp] = v;
    __syncthreads();
    v = lane < kWpr ? red[(warp / kWpr) * kWpr + lane] : (IsMax ? -INFINITY : 0.0f);
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
      const float u = __shfl_xor_sync(0xffffffffu, v, o);
      v = IsMax ? fmaxf(v, u) : v + u;
    }
  }
  return v;
}

// group_reduce<Tpr, IsMax>: rowgroup_reduce for row groups of whole warps (Tpr a multiple of 32) that sync
// only among themselves (named barrier 1 + threadIdx.x / Tpr: at most 15 groups per block), so a group that is
// done never waits for another, and a group whose row is past the end may return early. slots: __shared__
// float[blockDim.x / 32], not written again by the group before its next barrier (a later reduction takes
// other slots, or the same after one more group_reduce).
template <int Tpr, bool IsMax>
static __device__ __forceinline__ float group_reduce(float v, float* slots) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    const float u = __shfl_xor_sync(0xffffffffu, v, o);
    v = IsMax ? fmaxf(v, u) : v + u;
  }
  if constexpr (Tpr > 32) {
    constexpr int kWpr = Tpr / 32;  // warps per row
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, first = warp / kWpr * kWpr;
    if (lane == 0) slots[warp] = v;
    asm volatile("bar.sync %0, %1;" ::"r"(1 + (int)threadIdx.x / Tpr), "r"(Tpr) : "memory");
    v = slots[first];
#pragma unroll
    for (int k = 1; k < kWpr; ++k) v = IsMax ? fmaxf(v, slots[first + k]) : v + slots[first + k];
  }
  return v;
}

// unpack_f<Len>(u, f, sub): the Len elements of u as float, less sub (exact when sub is 0), through volatile asm
// that the optimizer may neither merge with earlier conversions nor hoist above what sub depends on (say a row's
// reduced max or mean): a template that keeps a row packed as stored (bf16x2, half2) and reads it in several
// passes so keeps the packed words live, not every float they widen to.
template <int Len>
static __device__ __forceinline__ void unpack_f(const Vec<Len>& u, float (&f)[Len], float sub) {
#if defined(FOUNDRY_DTYPE_F32)
#pragma unroll
  for (int e = 0; e < Len; ++e) asm volatile("sub.f32 %0, %1, %2;" : "=f"(f[e]) : "f"(u.v[e]), "f"(sub));
#else
  static_assert(Len % 2 == 0, "unpack_f: pairs of 16-bit elements");
#pragma unroll
  for (int e = 0; e < Len; e += 2) {
    const unsigned w = reinterpret_cast<const unsigned*>(&u)[e / 2];
#if defined(FOUNDRY_DTYPE_BF16)
    asm volatile("{ .reg .b32 lo, hi; shl.b32 lo, %2, 16; and.b32 hi, %2, 0xffff0000; sub.f32 %0, lo, %3; sub.f32 %1, hi, %3; }"
                 : "=f"(f[e]), "=f"(f[e + 1])
                 : "r"(w), "f"(sub));
#else
    asm volatile("{ .reg .b16 lo, hi; .reg .f32 a, b; mov.b32 {lo, hi}, %2; cvt.f32.f16 a, lo; cvt.f32.f16 b, hi; "
                 "sub.f32 %0, a, %3; sub.f32 %1, b, %3; }"
                 : "=f"(f[e]), "=f"(f[e + 1])
                 : "r"(w), "f"(sub));
#endif
  }
#endif
}

// rowgroup_col<Tpr, Width>: first column of item i of row thread t, base + (i*Tpr + t)*Width (Width columns per item).
template <int Tpr, int Width>
static __device__ __forceinline__ int64_t rowgroup_col(int64_t base, int i, int t) {
  return base + (int64_t)(i * Tpr + t) * Width;
}

// rowgroup_load<Tpr, Width, Items, Aligned>: a row thread's Items items of row p from column base as
// float, Width-wide when Aligned (cols % Width == 0); columns past the row, or all when !active, read as fill.
template <int Tpr, int Width, int Items, bool Aligned>
static __device__ __forceinline__ void rowgroup_load(const T* p, int64_t base, int64_t cols, int t, bool active,
                                                     float (&v)[Items][Width], float fill) {
#pragma unroll
  for (int i = 0; i < Items; ++i) {
    const int64_t c0 = rowgroup_col<Tpr, Width>(base, i, t);
    if constexpr (Aligned) {
      if (active && c0 < cols) {
        const Vec<Width> u = load_vec<Width>(p + c0);
#pragma unroll
        for (int e = 0; e < Width; ++e) v[i][e] = to_f(u.v[e]);
      } else {
#pragma unroll
        for (int e = 0; e < Width; ++e) v[i][e] = fill;
      }
    } else {
#pragma unroll
      for (int e = 0; e < Width; ++e) v[i][e] = (active && c0 + e < cols) ? to_f(p[c0 + e]) : fill;
    }
  }
}

// A row thread's items as rowgroup_load leaves them (v[Items][Width], floats). acc, where taken, is the running
// total the items are added onto one by one, so a streaming pass that calls once per chunk rounds as one loop would.
//   items_max(v)                         max of v
//   items_exp(v, m)                      v = exp(v - m) in place, returning their sum (all 0 when m is -inf,
//                                        nothing of the row here: -inf - -inf would be NaN)
//   items_squares(v, acc)                acc + sum of v^2
//   items_shifted_sum(v, shift, acc)     acc + sum of (v - shift): fill columns holding the shift add exactly 0
//   items_dev_squares<Tpr, Aligned>(v, base, cols, t, mean)
//                                        sum of (v - mean)^2 over the columns inside the row (rowgroup_col)
template <int Items, int Width>
static __device__ __forceinline__ float items_max(const float (&v)[Items][Width]) {
  float m = -INFINITY;
#pragma unroll
  for (int i = 0; i < Items; ++i)
#pragma unroll
    for (int e = 0; e < Width; ++e) m = fmaxf(m, v[i][e]);
  return m;
}

template <int Items, int Width>
static __device__ __forceinline__ float items_exp(float (&v)[Items][Width], float m) {
  float s = 0.0f;
  if (m == -INFINITY) {
#pragma unroll
    for (int i = 0; i < Items; ++i)
#pragma unroll
      for (int e = 0; e < Width; ++e) v[i][e] = 0.0f;
    return s;
  }
#pragma unroll
  for (int i = 0; i < Items; ++i)
#pragma unroll
    for (int e = 0; e < Width; ++e) {
      v[i][e] = expf(v[i][e] - m);
      s += v[i][e];
    }
  return s;
}

template <int Items, int Width>
static __device__ __forceinline__ float items_squares(const float (&v)[Items][Width], float acc = 0.0f) {
#pragma unroll
  for (int i = 0; i < Items; ++i)
#pragma unroll
    for (int e = 0; e < Width; ++e) acc += v[i][e] * v[i][e];
  return acc;
}

template <int Items, int Width>
static __device__ __forceinline__ float items_shifted_sum(const float (&v)[Items][Width], float shift,
                                                          float acc = 0.0f) {
#pragma unroll
  for (int i = 0; i < Items; ++i)
#pragma unroll
    for (int e = 0; e < Width; ++e) acc += v[i][e] - shift;
  return acc;
}

template <int Tpr, bool Aligned, int Items, int Width>
static __device__ __forceinline__ float items_dev_squares(const float (&v)[Items][Width], int64_t base, int64_t cols,
                                                          int t, float mean) {
  float ss = 0.0f;
#pragma unroll
  for (int i = 0; i < Items; ++i) {
    const int64_t c0 = rowgroup_col<Tpr, Width>(base, i, t);
#pragma unroll
    for (int e = 0; e < Width; ++e) {
      const float d = v[i][e] - mean;
      if (Aligned ? c0 < cols : c0 + e < cols) ss += d * d;
    }
  }
  return ss;
}

// Row stores: y[c] = op(f, p[c]...) for every column c inside the row, f the item's float at c and p the
// template's column operands (gamma, beta, a weight; none for softmax). op takes each operand as a ColAt, which reads
// it as float where op's expression uses it, so loads and arithmetic keep the order written there (as in a plain
// loop; operands passed as float would be read before op runs). ColAt, not auto: NVRTC takes a generic lambda
// for a host function. Aligned loads each operand as one Vec<Width> and stores Width-wide (evict-first when Cs); else
// scalar, column by column.
struct ColAt {
  const T* p;
  int64_t c;
  __device__ __forceinline__ operator float() const { return to_f(p[c]); }
};

template <int Width, int Cs, typename Op, typename... Vs>
static __device__ __forceinline__ void rowgroup_store_vec(T* y, int64_t c0, const float (&f)[Width], Op op,
                                                          const Vs&... pv) {
  Vec<Width> o;
#pragma unroll
  for (int e = 0; e < Width; ++e) o.v[e] = from_f(op(f[e], ColAt{pv.v, e}...));
  store_vec_cs<Width, Cs>(y + c0, o);  // the address after the values, as a plain loop computes it
}

// One item: Width floats f from column c0 (none written when !active).
template <int Width, int Cs, bool Aligned, typename Op, typename... Ps>
static __device__ __forceinline__ void rowgroup_store_item(T* y, int64_t c0, int64_t cols, bool active,
                                                           const float (&f)[Width], Op op, const Ps*... p) {
  if constexpr (Aligned) {
    if (active && c0 < cols) rowgroup_store_vec<Width, Cs>(y, c0, f, op, load_vec<Width>(p + c0)...);
  } else {
#pragma unroll
    for (int e = 0; e < Width; ++e)
      if (active && c0 + e < cols) y[c0 + e] = from_f(op(f[e], ColAt{p, c0 + e}...));
  }
}

// rowgroup_store<Tpr, Aligned>: a row thread's float items v[Items][Width] (rowgroup_load's layout) through op.
template <int Tpr, bool Aligned, int Items, int Width, typename Op, typename... Ps>
static __device__ __forceinline__ void rowgroup_store(T* y, int64_t base, int64_t cols, int t, bool active,
                                                      const float (&v)[Items][Width], Op op, const Ps*... p) {
#pragma unroll
  for (int i = 0; i < Items; ++i)
    rowgroup_store_item<Width, 0, Aligned>(y, rowgroup_col<Tpr, Width>(base, i, t), cols, active, v[i], op, p...);
}

// rowgroup_load_packed<Tpr, Cs, Aligned>: rowgroup_load that keeps each item as its Width stored elements
// (Vec<Width>, read evict-first when Cs) rather than widened to float, for templates that read a row held in
// registers in several passes through unpack_f; columns past the row hold fill.
template <int Tpr, int Cs, bool Aligned, int Items, int Width>
static __device__ __forceinline__ void rowgroup_load_packed(const T* x, int64_t base, int64_t cols, int t, T fill,
                                                            Vec<Width> (&v)[Items]) {
#pragma unroll
  for (int i = 0; i < Items; ++i) {
    const int64_t c0 = rowgroup_col<Tpr, Width>(base, i, t);
    if constexpr (Aligned) {
      if (c0 < cols) {
        v[i] = load_vec_cs<Width, Cs>(x + c0);
      } else {
#pragma unroll
        for (int e = 0; e < Width; ++e) v[i].v[e] = fill;
      }
    } else {
#pragma unroll
      for (int e = 0; e < Width; ++e) v[i].v[e] = c0 + e < cols ? x[c0 + e] : fill;
    }
  }
}

// rowgroup_store_packed<Tpr, Cs, Aligned>: rowgroup_store for packed items, each unpacked (unpack_f, less sub)
// before op; every row thread is active.
template <int Tpr, int Cs, bool Aligned, int Items, int Width, typename Op, typename... Ps>
static __device__ __forceinline__ void rowgroup_store_packed(T* y, int64_t base, int64_t cols, int t,
                                                             const Vec<Width> (&v)[Items], float sub, Op op,
                                                             const Ps*... p) {
#pragma unroll
  for (int i = 0; i < Items; ++i) {
    const int64_t c0 = rowgroup_col<Tpr, Width>(base, i, t);
    float f[Width];
    unpack_f<Width>(v[i], f, sub);
    rowgroup_store_item<Width, Cs, Aligned>(y, c0, cols, true, f, op, p...);
  }
}

// Top-k selection order: (v, c) ranks above (bv, bc) when larger, or equal with a lower index.
static __device__ __forceinline__ bool ranks_above(float v, int c, float bv, int bc) {
  return v > bv || (v == bv && c < bc);
}

// lanes_argmax<Lanes>: the (wv, wc) pair that ranks first over Lanes consecutive lanes (a power of two
// up to 32, all lanes of the warp calling), left in every one of them.
template <int Lanes>
static __device__ __forceinline__ void lanes_argmax(float& wv, int& wc) {
#pragma unroll
  for (int o = Lanes / 2; o > 0; o >>= 1) {
    const float ov = __shfl_xor_sync(0xffffffffu, wv, o);
    const int oc = __shfl_xor_sync(0xffffffffu, wc, o);
    if (ranks_above(ov, oc, wv, wc)) {
      wv = ov;
      wc = oc;
    }
  }
}

// Grouped GEMM: expert g owns rows [offsets[g], offsets[g+1]) clamped to
// [0, total_rows]; rows outside every group are zero in the reference. The
// whole grid (Threads per block) writes those zeros.
static __device__ __forceinline__ int64_t grouped_clamp_row(int64_t v, int64_t total_rows) {
  return v < 0 ? (int64_t)0 : (v > total_rows ? total_rows : v);
}

template <int Threads>
static __device__ __forceinline__ void grouped_zero_loose_rows(T* y, const int32_t* offsets, int64_t total_rows,
                                                               int64_t experts, int64_t n_dim) {
  const int64_t first = grouped_clamp_row(offsets[0], total_rows);
  int64_t last = grouped_clamp_row(offsets[experts], total_rows);
  if (last < first) last = first;
  const int64_t loose = (first + total_rows - last) * n_dim;
  for (int64_t q = (int64_t)blockIdx.x * Threads + threadIdx.x; q < loose; q += (int64_t)gridDim.x * Threads) {
    const int64_t u = q / n_dim, row = u < first ? u : last + (u - first);
    y[row * n_dim + q % n_dim] = from_f(0.0f);
  }
}

// Grouped GEMM m-tiles: group g takes cdiv(its rows, Bm) tiles, in order.
// The expert of m-tile mt (its first row and row count through row0/rows),
// or -1 past the last group's tiles.
template <int Bm>
static __device__ __forceinline__ int64_t grouped_tile_expert(const int32_t* offsets, int64_t total_rows,
                                                              int64_t experts, int64_t mt, int64_t* row0, int* rows) {
  int64_t seen = 0;
  for (int64_t g = 0; g < experts; ++g) {
    const int64_t lo = grouped_clamp_row(offsets[g], total_rows), hi = grouped_clamp_row(offsets[g + 1], total_rows);
    const int64_t mine = hi > lo ? (hi - lo + Bm - 1) / Bm : 0;
    if (mt < seen + mine) {
      *row0 = lo + (mt - seen) * Bm;
      *rows = (int)(hi - *row0 < Bm ? hi - *row0 : Bm);
      return g;
    }
    seen += mine;
  }
  return -1;
}

// Thread-block clusters (sm_90 and newer; a template with `cluster:` in its launch). The
// cluster is one-dimensional along x, N blocks (its front-matter value, FOUNDRY_CLUSTER_BLOCKS).
//   cluster_rank()                 this block's rank in its cluster, 0..N-1
//   cluster_arrive / cluster_wait  the two halves of a cluster-wide barrier (release / acquire):
//                                  shared-memory writes before the arrive are seen by every block
//                                  of the cluster after its wait; a block whose shared memory others
//                                  may still read must not exit before a wait that follows their arrive
//   cluster_reduce<N, W, IsMax>    sum or max of v over the W warps of each of the N blocks
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
static __device__ __forceinline__ unsigned cluster_rank() {
  unsigned r;
  asm volatile("mov.u32 %0, %%cluster_ctarank;" : "=r"(r));
  return r;
}
static __device__ __forceinline__ void cluster_arrive() { asm volatile("barrier.cluster.arrive.release;" ::: "memory"); }
static __device__ __forceinline__ void cluster_wait() { asm volatile("barrier.cluster.wait.acquire;" ::: "memory"); }

// The float at p (this block's shared memory) in the shared memory of cluster block `rank`.
static __device__ __forceinline__ float cluster_load(const float* p, unsigned rank) {
  const unsigned local = static_cast<unsigned>(__cvta_generic_to_shared(p));
  unsigned remote;
  float v;
  asm volatile("mapa.shared::cluster.u32 %0, %1, %2;" : "=r"(remote) : "r"(local), "r"(rank));
  asm volatile("ld.shared::cluster.f32 %0, [%1];" : "=f"(v) : "r"(remote) : "memory");
  return v;
}

// cluster_reduce<N, W, IsMax>(v, slots): every thread of the N blocks (W warps each, all calling) passes its
// value; the sum (or max) over all of them comes back, bitwise the same in every thread of the cluster (each
// lane combines the same slots in the same order, then the same butterfly). slots: __shared__ float[W], not
// written by any other reduction until every block has passed a cluster_wait after this call's return.
template <int N, int W, bool IsMax>
static __device__ __forceinline__ float cluster_reduce(float v, float* slots) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    const float u = __shfl_xor_sync(0xffffffffu, v, o);
    v = IsMax ? fmaxf(v, u) : v + u;
  }
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  if (lane == 0) slots[warp] = v;
  cluster_arrive();
  cluster_wait();
  v = IsMax ? -INFINITY : 0.0f;
#pragma unroll
  for (int k = lane; k < N * W; k += 32) {
    const float u = cluster_load(slots + k % W, static_cast<unsigned>(k / W));
    v = IsMax ? fmaxf(v, u) : v + u;
  }
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    const float u = __shfl_xor_sync(0xffffffffu, v, o);
    v = IsMax ? fmaxf(v, u) : v + u;
  }
  return v;
}
#endif
