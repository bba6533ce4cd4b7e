/* The rule every correctness check in foundry applies to one output element
 * against its float64 reference. The host comparison (compare_elementwise)
 * and the GPU comparison (src/backends/cuda/device_check.cu, compiled by NVRTC from this
 * text) both call it, so a label means the same wherever it was computed.
 * Plain C, no headers under NVRTC. */
#ifndef FOUNDRY_CHECK_ELEMENT_H
#define FOUNDRY_CHECK_ELEMENT_H

#ifndef FOUNDRY_HD
#define FOUNDRY_HD
#endif
#if !defined(__CUDACC_RTC__)
#include <math.h>
#endif

/* Severities, worst last: a check reports the first element of the worst kind. */
enum {
  FOUNDRY_CHECK_OK = 0,
  FOUNDRY_CHECK_MISMATCH = 1,
  FOUNDRY_CHECK_NONFINITE = 2,
  FOUNDRY_CHECK_UNWRITTEN = 3
};

/* y: the element as the kernel left it; is_poison: its bits are the poison
 * pattern written before the run; mant_bits: 24, 11 or 8 for f32, f16, bf16
 * outputs and 0 for integers; the bound is |y - want| <= atol + rtol*|want|.
 * Sets the element's absolute, relative (0 where want is 0) and ulp errors
 * (0 unless both values are finite) and returns its severity. */
static FOUNDRY_HD inline int foundry_check_element(double y, int is_poison, double want, int mant_bits, double atol,
                                                   double rtol, double* abs_err, double* rel_err, double* ulp) {
  const int is_float = mant_bits > 0;
  *abs_err = 0.0;
  *rel_err = 0.0;
  *ulp = 0.0;
  /* Poison is a NaN payload for floats: only non-finite values need the bit test,
   * and an output whose true value is the same NaN (or integer) is not unwritten. */
  if ((!is_float || !isfinite(y)) && is_poison && !(is_float ? isnan(want) : want == y)) return FOUNDRY_CHECK_UNWRITTEN;
  if (!isfinite(y)) return (isfinite(want) || (!isnan(want) != !isnan(y))) ? FOUNDRY_CHECK_NONFINITE : FOUNDRY_CHECK_OK;
  if (!isfinite(want)) return FOUNDRY_CHECK_MISMATCH;
  const double a = fabs(y - want);
  *abs_err = a;
  if (want != 0.0) *rel_err = a / fabs(want);
  if (is_float) {
    /* One unit in the last place of the output type at the reference's magnitude;
     * below the type's smallest normal (and at 0) the subnormal spacing, which
     * keeps the ulp finite where the reference underflows (exp of -1e4). */
    const int min_ex = mant_bits == 11 ? -13 : -125; /* f16; f32 and bf16 */
    int ex = min_ex;
    if (want != 0.0) frexp(want, &ex);
    if (ex < min_ex) ex = min_ex;
    *ulp = a / ldexp(1.0, ex - mant_bits);
  }
  return a > atol + rtol * fabs(want) ? FOUNDRY_CHECK_MISMATCH : FOUNDRY_CHECK_OK;
}

#endif
