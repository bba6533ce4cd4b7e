// The elementwise rule (core/check_element.h) every check applies, on the host
// and on the GPU. Which ops may be checked by it: ops/op_contract_test.cpp.
#include "core/check_element.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace {

int rule(double y, bool poison, double want, int mant = 24, double atol = 1e-5, double rtol = 1e-5) {
  double a, r, u;
  return foundry_check_element(y, poison, want, mant, atol, rtol, &a, &r, &u);
}

}  // namespace

TEST(ElementRule, SeveritiesOfEachKindOfOutput) {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(rule(1.0, false, 1.0), FOUNDRY_CHECK_OK);
  EXPECT_EQ(rule(1.0 + 1e-6, false, 1.0), FOUNDRY_CHECK_OK);
  EXPECT_EQ(rule(1.1, false, 1.0), FOUNDRY_CHECK_MISMATCH);
  // A float poison is a NaN: unwritten unless the true value is NaN as well.
  EXPECT_EQ(rule(nan, true, 1.0), FOUNDRY_CHECK_UNWRITTEN);
  EXPECT_EQ(rule(nan, true, nan), FOUNDRY_CHECK_OK);
  EXPECT_EQ(rule(nan, false, 1.0), FOUNDRY_CHECK_NONFINITE);
  EXPECT_EQ(rule(inf, false, inf), FOUNDRY_CHECK_OK);
  EXPECT_EQ(rule(inf, false, nan), FOUNDRY_CHECK_NONFINITE);
  EXPECT_EQ(rule(1.0, false, inf), FOUNDRY_CHECK_MISMATCH);
  // Integers: exact, and the poison pattern counts only where it is not the answer.
  EXPECT_EQ(rule(7, false, 7, 0, 0, 0), FOUNDRY_CHECK_OK);
  EXPECT_EQ(rule(8, false, 7, 0, 0, 0), FOUNDRY_CHECK_MISMATCH);
  EXPECT_EQ(rule(-91, true, 7, 0, 0, 0), FOUNDRY_CHECK_UNWRITTEN);
  EXPECT_EQ(rule(-91, true, -91, 0, 0, 0), FOUNDRY_CHECK_OK);
}

TEST(ElementRule, ErrorsAndUlpsOfOneElement) {
  double a, r, u;
  EXPECT_EQ(foundry_check_element(1.0 + 0x1p-23, 0, 1.0, 24, 0, 1e-5, &a, &r, &u), FOUNDRY_CHECK_OK);
  EXPECT_DOUBLE_EQ(a, 0x1p-23);
  EXPECT_DOUBLE_EQ(r, 0x1p-23);
  EXPECT_DOUBLE_EQ(u, 1.0);  // one f32 ulp at [1, 2)
  foundry_check_element(0.5, 0, 0.0, 8, 1.0, 0, &a, &r, &u);
  EXPECT_DOUBLE_EQ(r, 0.0);  // no relative error against a zero
  foundry_check_element(std::nan(""), 0, 1.0, 24, 0, 0, &a, &r, &u);
  EXPECT_EQ(a, 0.0);  // nothing finite to measure
}

// A reference that underflows far below the output type's range (exp of
// -1e4 in a softmax) still has a finite ulp: the subnormal spacing.
TEST(ElementRule, UlpStaysFiniteWhereTheReferenceUnderflows) {
  double a = 0, r = 0, u = 0;
  EXPECT_EQ(foundry_check_element(0.0, 0, 1e-300, 24, 1e-6, 1e-5, &a, &r, &u), FOUNDRY_CHECK_OK);
  EXPECT_TRUE(std::isfinite(u));
  EXPECT_EQ(foundry_check_element(0x1p-149, 0, 0.0, 24, 1e-6, 1e-5, &a, &r, &u), FOUNDRY_CHECK_OK);
  EXPECT_DOUBLE_EQ(u, 1.0);  // the smallest f32 subnormal is one subnormal ulp from 0
  EXPECT_EQ(foundry_check_element(0.0, 0, 1e-300, 11, 1e-3, 1e-3, &a, &r, &u), FOUNDRY_CHECK_OK);
  EXPECT_TRUE(std::isfinite(u));
}
