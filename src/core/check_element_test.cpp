// The elementwise rule (core/check_element.h) every check applies, on the host
// and on the GPU, and which ops may be checked by it where their outputs are.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/check_element.h"
#include "ops/registry.hpp"

using namespace foundry;

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

// An op that keeps the default compare() may be checked on the GPU by the
// elementwise rule; one that says so must really compare elementwise: on the
// same outputs its compare() and the default give the same verdict and detail.
TEST(ElementRule, OpsThatClaimTheRuleCompareByIt) {
  int claimed = 0;
  for (const auto& op : Registry::instance().ops()) {
    if (!op->elementwise_check()) continue;
    ++claimed;
    Params params;
    for (const auto& p : op->params) params[p.name] = p.domain.at(0);
    for (DType d : {DType::f32, DType::bf16}) {
      Case c{op->name, d, op->shapes(Regime::odd).at(0), params, 7, 0};
      auto bufs = op->allocate(c);
      op->generate(c, bufs);
      auto ref = op->reference(c, bufs);
      std::size_t k = 0;
      int first_out = -1;
      for (std::size_t i = 0; i < op->buffers.size(); ++i) {
        if (op->buffers[i].role == Role::in) continue;
        if (first_out < 0) first_out = static_cast<int>(i);
        for (std::size_t j = 0; j < bufs[i].numel(); ++j) bufs[i].set(j, ref[k][j]);
        ++k;
      }
      ASSERT_GE(first_out, 0) << op->name;
      auto same = [&](const char* what) {
        CheckResult own = op->compare(c, bufs, ref), rule = op->OpContract::compare(c, bufs, ref);
        EXPECT_EQ(own.status, rule.status) << op->name << " " << what;
        EXPECT_EQ(own.mismatches, rule.mismatches) << op->name << " " << what;
        EXPECT_EQ(own.detail, rule.detail) << op->name << " " << what;
      };
      same("the reference itself");
      HostBuffer& out = bufs[first_out];
      const std::size_t mid = out.numel() / 2;
      out.set(mid, out.get(mid) * 3.0 + 5.0);
      same("one element off");
      out.set_bits(0, poison_bits(out.elem()));
      same("one element unwritten");
    }
  }
  EXPECT_GE(claimed, 10);
}
