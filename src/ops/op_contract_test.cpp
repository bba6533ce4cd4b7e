// Counter-based input generation: buffers are filled with exactly the values
// the element-wise draws give, however the work is split.
#include <gtest/gtest.h>

#include "core/buffer.hpp"
#include "ops/op_contract.hpp"

using namespace foundry;

TEST(Generators, FillNormalGivesTheElementwiseDraws) {
  for (std::size_t n : {std::size_t{1}, std::size_t{1001}, std::size_t{300001}}) {  // odd; the last above the parallel cut-off
    HostBuffer b("x", Elem::f32, {static_cast<int64_t>(n)});
    fill_normal(b, 42, 3, 2.5, 0.5);
    for (std::size_t i = 0; i < n; ++i)
      ASSERT_EQ(b.get(i), round_to(Elem::f32, 0.5 + 2.5 * normal(42, 3, i))) << "n " << n << " element " << i;
  }
}
