// What every op contract shares: counter-based input generation (buffers are
// filled with exactly the values the element-wise draws give, however the work
// is split), and the default compare() by the elementwise rule of
// core/check_element.h, which ops may claim for checks on the GPU.
#include "ops/op_contract.hpp"

#include <gtest/gtest.h>

#include "core/buffer.hpp"
#include "ops/registry.hpp"

using namespace foundry;

TEST(Generators, FillNormalGivesTheElementwiseDraws) {
  for (std::size_t n : {std::size_t{1}, std::size_t{1001}, std::size_t{300001}}) {  // odd; the last above the parallel cut-off
    HostBuffer b("x", Elem::f32, {static_cast<int64_t>(n)});
    fill_normal(b, 42, 3, 2.5, 0.5);
    for (std::size_t i = 0; i < n; ++i)
      ASSERT_EQ(b.get(i), round_to(Elem::f32, 0.5 + 2.5 * normal(42, 3, i))) << "n " << n << " element " << i;
  }
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
