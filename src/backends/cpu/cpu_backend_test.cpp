// The cpu backend: what it decides for the coordinator, and host compiles
// through its content-addressed cache.
#include "backends/cpu/cpu_backend.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "backends/backend_table.hpp"
#include "cli_helpers.hpp"

using namespace foundry;
using foundry_test::scratch_dir;
namespace fs = std::filesystem;

TEST(BackendDecisions, CpuClampsThreadsToTheCoresAndKeepsTheRest) {
  BackendOptions o;
  o.cache_root = scratch_dir("cache");
  auto cpu = backend_row("cpu").make_backend(o);
  const int cores = static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
  const Launch wide = cpu->effective_launch(Launch{64, cores + 5, 0});
  EXPECT_EQ(wide.grid, 64);
  EXPECT_EQ(wide.threads, cores);
  EXPECT_EQ(cpu->effective_launch(Launch{1, 0, 0}).threads, 1);
  EXPECT_EQ(cpu->effective_launch(Launch{1, -3, 0}).threads, 1);
  EXPECT_EQ(cpu->effective_launch(Launch{1, 1, 0}).threads, 1);
  // A host backend: no device limits, contract shapes, no overlap, workers see no device.
  EXPECT_EQ(cpu->launch_limit(Launch{1, cores, 0}, BuildResult{}), "");
  const Shape s{{"rows", 7}, {"cols", 64}};
  EXPECT_EQ(cpu->problem_shape(Regime::prefill, s), s);
  EXPECT_FALSE(cpu->overlaps_compile());
  EXPECT_EQ(cpu->worker_devices(3, true), (std::vector<int>{-1, -1, -1}));
  EXPECT_EQ(cpu->worker_devices(2, false), (std::vector<int>{-1, -1}));
  EXPECT_NO_THROW(cpu->require_runnable(false));
  EXPECT_EQ(cpu->checker_artifact(), "");
  EXPECT_TRUE(cpu->render_flags().empty());
}

TEST(CpuBackend, CompileErrorsCarryTheCompilerLogAndCacheHitsAreFast) {
  fs::path cache = fs::path(::testing::TempDir()) / "foundry-cpu-backend-cache";
  fs::remove_all(cache);
  CpuBackend be("", cache);
  auto bad = be.compile("this is not C++", {});
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.status, Status::compile_error);
  EXPECT_FALSE(bad.log.empty());
  auto first = be.compile("extern \"C\" int f() { return 1; }", {});
  ASSERT_TRUE(first.ok) << first.log;
  EXPECT_FALSE(first.cache_hit);
  auto second = be.compile("extern \"C\" int f() { return 1; }", {});
  EXPECT_TRUE(second.cache_hit);
  EXPECT_EQ(first.artifact, second.artifact);
}
