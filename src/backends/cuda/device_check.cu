// The elementwise check on the GPU (and, below it, the input fingerprint): one output buffer against its float64
// reference, both resident on the device, with the rule of
// core/check_element.h (prepended to this text before NVRTC compiles it, with
// --fmad=false so the bound is rounded as on the host). Each thread folds a
// grid-stride slice into local maxima and counts; one lane per warp then
// merges them into `acc` with atomics (non-negative doubles order like their
// bit patterns, so maxima are integer atomicMax). It also sums the reference's
// bit patterns: a kernel that wrote outside its outputs into the resident
// reference changes that sum, and the host, which knows it, notices.
#include <cuda_fp16.h>

struct foundry_check_acc {
  unsigned long long max_abs, max_rel, max_ulp, mismatches;
  unsigned long long first[4];  // first index of each severity (ULLONG_MAX: none)
  unsigned long long ref_sum;   // sum of the reference's bit patterns, mod 2^64
};

// Element kinds, as the host numbers them (foundry::Elem).
enum { kF32 = 0, kF16 = 1, kBF16 = 2, kI32 = 3, kI8 = 4, kU8 = 5 };

static __device__ __forceinline__ double element(const void* p, int elem, long long i, unsigned int* bits) {
  switch (elem) {
    case kF32: {
      const unsigned int b = static_cast<const unsigned int*>(p)[i];
      *bits = b;
      return __uint_as_float(b);
    }
    case kF16: {
      const unsigned short b = static_cast<const unsigned short*>(p)[i];
      *bits = b;
      return __half2float(__ushort_as_half(b));
    }
    case kBF16: {
      const unsigned short b = static_cast<const unsigned short*>(p)[i];
      *bits = b;
      return __uint_as_float(static_cast<unsigned int>(b) << 16);
    }
    case kI32: {
      const int v = static_cast<const int*>(p)[i];
      *bits = static_cast<unsigned int>(v);
      return v;
    }
    case kI8: {
      const signed char v = static_cast<const signed char*>(p)[i];
      *bits = static_cast<unsigned char>(v);
      return v;
    }
    default: {
      const unsigned char v = static_cast<const unsigned char*>(p)[i];
      *bits = v;
      return v;
    }
  }
}

extern "C" __global__ void foundry_check(const void* out, int elem, const double* ref, long long n,
                                         unsigned int poison, int mant_bits, double atol, double rtol,
                                         foundry_check_acc* acc) {
  double max_abs = 0, max_rel = 0, max_ulp = 0;
  unsigned long long mismatches = 0;
  unsigned long long first[4] = {~0ull, ~0ull, ~0ull, ~0ull};
  unsigned long long ref_sum = 0;
  const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
  for (long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    unsigned int bits = 0;
    const double y = element(out, elem, i, &bits);
    const double want = ref[i];
    ref_sum += static_cast<unsigned long long>(__double_as_longlong(want));
    double a, r, u;
    const int s = foundry_check_element(y, bits == poison, want, mant_bits, atol, rtol, &a, &r, &u);
    max_abs = fmax(max_abs, a);
    max_rel = fmax(max_rel, r);
    max_ulp = fmax(max_ulp, u);
    if (s != FOUNDRY_CHECK_OK) {
      ++mismatches;
      if (static_cast<unsigned long long>(i) < first[s]) first[s] = i;
    }
  }
  for (int o = 16; o > 0; o >>= 1) {
    max_abs = fmax(max_abs, __shfl_xor_sync(0xffffffffu, max_abs, o));
    max_rel = fmax(max_rel, __shfl_xor_sync(0xffffffffu, max_rel, o));
    max_ulp = fmax(max_ulp, __shfl_xor_sync(0xffffffffu, max_ulp, o));
    mismatches += __shfl_xor_sync(0xffffffffu, mismatches, o);
    ref_sum += __shfl_xor_sync(0xffffffffu, ref_sum, o);
    for (int s = 1; s < 4; ++s) {
      const unsigned long long f = __shfl_xor_sync(0xffffffffu, first[s], o);
      if (f < first[s]) first[s] = f;
    }
  }
  if ((threadIdx.x & 31) != 0) return;
  atomicMax(&acc->max_abs, static_cast<unsigned long long>(__double_as_longlong(max_abs)));
  atomicMax(&acc->max_rel, static_cast<unsigned long long>(__double_as_longlong(max_rel)));
  atomicMax(&acc->max_ulp, static_cast<unsigned long long>(__double_as_longlong(max_ulp)));
  if (mismatches) atomicAdd(&acc->mismatches, mismatches);
  atomicAdd(&acc->ref_sum, ref_sum);
  for (int s = 1; s < 4; ++s)
    if (first[s] != ~0ull) atomicMin(&acc->first[s], first[s]);
}

// Sum of n 32-bit words into *out (mod 2^64): the executor's fingerprint of
// an input buffer the kernel must only read.
extern "C" __global__ void foundry_sum_words(const unsigned int* p, long long n, unsigned long long* out) {
  unsigned long long s = 0;
  const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
  for (long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) s += p[i];
  for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
  if ((threadIdx.x & 31) == 0 && s) atomicAdd(out, s);
}

// Bytes at which a and b differ (n bytes) into *out: the executor's test that
// a run wrote the same bits as one kept aside.
extern "C" __global__ void foundry_diff_bytes(const unsigned char* a, const unsigned char* b, long long n,
                                              unsigned long long* out) {
  unsigned long long d = 0;
  const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
  for (long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) d += a[i] != b[i];
  for (int o = 16; o > 0; o >>= 1) d += __shfl_xor_sync(0xffffffffu, d, o);
  if ((threadIdx.x & 31) == 0 && d) atomicAdd(out, d);
}
