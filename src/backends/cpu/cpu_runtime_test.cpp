// The cpu runtime: loading a variant's shared object leaves the host's
// floating-point state as it was.
#include "backends/cpu/cpu_runtime.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include <xmmintrin.h>

#include "backends/cpu/cpu_backend.hpp"

using namespace foundry;
namespace fs = std::filesystem;

TEST(CpuRuntime, LoadingAFastMathObjectLeavesFlushToZeroOff) {
  fs::path cache = fs::path(::testing::TempDir()) / "foundry-cpu-ftz-cache";
  fs::remove_all(cache);
  CpuBackend be("", cache);
  auto built = be.compile(
      "extern \"C\" void foundry_launch(void* const*, long long, long long, long long) {}\n"
      "extern \"C\" float scale(float x) { return x * 0.5f; }\n",
      {"-ffast-math"});
  ASSERT_TRUE(built.ok) << built.log;
  const unsigned before = _mm_getcsr();
  {
    CpuKernel k(built.artifact);
  }
  EXPECT_EQ(_mm_getcsr(), before) << "MXCSR changed: flush-to-zero would leak into later variants";
  EXPECT_EQ(_mm_getcsr() & 0x8040u, 0u);
}
