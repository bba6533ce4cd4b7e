// The copy bandwidth cache: measured once per device, then read back.
#include "backends/copy_bandwidth.hpp"

#include <gtest/gtest.h>

#include "cli_helpers.hpp"

using namespace foundry;
using foundry_test::scratch_dir;

TEST(CopyBandwidth, MeasuredOncePerDeviceThenReadBack) {
  const auto dir = scratch_dir("bw");
  int measured = 0;
  auto measure = [&](double v) {
    return [&measured, v] {
      ++measured;
      return v;
    };
  };
  EXPECT_EQ(cached_copy_gbps(dir, "dev A", "test", measure(12.5)), 12.5);
  EXPECT_EQ(cached_copy_gbps(dir, "dev A", "test", measure(99)), 12.5);
  EXPECT_EQ(measured, 1);
  EXPECT_EQ(cached_copy_gbps(dir, "dev B", "test", measure(7)), 7);
  EXPECT_EQ(measured, 2);
}
