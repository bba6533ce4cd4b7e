// Host buffers: values round to the element type, and every buffer ends at a
// guard page with a canary in its rounding slack.
#include "core/buffer.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdint>

using foundry::Elem;
using foundry::HostBuffer;

TEST(HostBuffer, StartsZeroedAlignedAndRoundsToItsElementType) {
  HostBuffer b("x", Elem::bf16, {3, 5});
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data()) % 64, 0u);
  for (std::size_t i = 0; i < b.numel(); ++i) EXPECT_EQ(b.get(i), 0.0);
  b.set(0, 1.00390625);  // 1 + 2^-8: halfway between two bf16 values, rounds to even
  EXPECT_EQ(b.get(0), 1.0);
  EXPECT_TRUE(b.slack_intact());
}

TEST(HostBuffer, AWriteIntoTheRoundingSlackIsSeen) {
  HostBuffer b("y", Elem::f32, {7});  // 28 bytes: 36 bytes of slack before the guard
  static_cast<float*>(b.data())[6] = 1.0f;
  EXPECT_TRUE(b.slack_intact());
  static_cast<volatile float*>(b.data())[7] = 1.0f;  // one past the end
  EXPECT_FALSE(b.slack_intact());
  b.reset_slack();
  EXPECT_TRUE(b.slack_intact());
}

TEST(HostBuffer, AReadPastTheEndOfAWholeAllocationFaults) {
  // 16 floats are 64 bytes: the guard page follows the last element directly.
  EXPECT_EXIT(
      {
        HostBuffer b("x", Elem::f32, {4, 4});
        volatile float v = static_cast<const volatile float*>(b.data())[16];
        (void)v;
        std::exit(0);
      },
      ::testing::KilledBySignal(SIGSEGV), "");
  // Past the slack of a size that is not a multiple of 64 bytes.
  EXPECT_EXIT(
      {
        HostBuffer b("x", Elem::f16, {3});
        volatile uint16_t v = static_cast<const volatile uint16_t*>(b.data())[32];
        (void)v;
        std::exit(0);
      },
      ::testing::KilledBySignal(SIGSEGV), "");
}

TEST(HostBuffer, MovesKeepTheirGuardAndSlack) {
  HostBuffer a("x", Elem::i8, {5});
  HostBuffer b = std::move(a);
  static_cast<volatile int8_t*>(b.data())[5] = 1;
  EXPECT_FALSE(b.slack_intact());
}
