// The Philox generator shared by input generation, the dropout reference and
// every kernel prelude. The test keeps its name from when it sat with dropout's.
#include "core/philox.h"

#include <gtest/gtest.h>

// Random123's published known answer: Philox4x32-10, counter 0, key 0.
TEST(Dropout, PhiloxMatchesKnownAnswer) {
  EXPECT_EQ(foundry_philox_u32(0, 0), 0x6627e8d5u);
  EXPECT_EQ(foundry_philox_u32(0, 1), 0xe169c58du);
  EXPECT_EQ(foundry_philox_u32(0, 2), 0xbc57ac4cu);
  EXPECT_EQ(foundry_philox_u32(0, 3), 0x9b00dbd8u);
}
