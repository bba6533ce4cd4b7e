// The backend table: every backend is one row, found by name, and the rows'
// entries do what the coordinator and the workers rely on.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "backends/backend_table.hpp"
#include "backends/copy_bandwidth.hpp"
#include "cli_helpers.hpp"

using namespace foundry;
using foundry_test::scratch_dir;

namespace {

// The message `fn` throws as std::invalid_argument ("" when it does not).
template <class Fn>
std::string invalid_argument_of(Fn fn) {
  try {
    fn();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(BackendTable, EveryRowIsComplete) {
  std::set<std::string> names;
  std::vector<std::string> in_order;
  for (const auto& row : backend_table()) {
    EXPECT_FALSE(row.name.empty());
    EXPECT_TRUE(names.insert(row.name).second) << row.name << " appears twice";
    in_order.push_back(row.name);
    EXPECT_FALSE(row.summary.empty()) << row.name;
    EXPECT_FALSE(row.timer.empty()) << row.name;
    EXPECT_TRUE(row.make_backend) << row.name;
    EXPECT_TRUE(row.make_executor) << row.name;
    EXPECT_TRUE(row.availability) << row.name;
    EXPECT_TRUE(row.copy_gbps) << row.name;
    EXPECT_EQ(&backend_row(row.name), &row);
  }
  EXPECT_EQ(backend_names(), in_order);
  EXPECT_TRUE(names.count(kDefaultBackend));
  EXPECT_EQ(backend_row("cpu").timer, "steady_clock");
  EXPECT_EQ(backend_row("cuda").timer, "cuda_event");
}

TEST(BackendTable, UnknownNameIsRefusedNamingItAndTheChoices) {
  const std::string what = invalid_argument_of([] { backend_row("nope"); });
  EXPECT_EQ(what, "--backend nope: unknown backend (cpu, cuda)");
}

TEST(BackendTable, AvailabilityAnswersWithoutThrowing) {
  for (const auto& row : backend_table()) {
    BackendAvailability a;
    ASSERT_NO_THROW(a = row.availability()) << row.name;
    EXPECT_TRUE(!a.run || a.compile) << row.name << " runs what it cannot compile";
    if (!a.run) EXPECT_FALSE(a.why.empty()) << row.name << " cannot run here but does not say why";
  }
  EXPECT_TRUE(backend_row("cpu").availability().run);
}

TEST(BackendTable, CpuExecutorConstructsAndRefusesAMissingObject) {
  auto exec = backend_row("cpu").make_executor();
  ASSERT_NE(exec, nullptr);
  LoadSpec spec;
  spec.artifact = (scratch_dir("x") / "missing.so").string();
  ExecError e = exec->load(spec);
  EXPECT_EQ(e.status, Status::launch_error);
  EXPECT_NE(e.message.find("missing.so"), std::string::npos) << e.message;
  spec.grid = 0;
  EXPECT_EQ(exec->load(spec).status, Status::launch_error);
}

TEST(BackendTable, CpuTakesNoArchitecture) {
  BackendOptions o;
  o.cache_root = scratch_dir("cache");
  o.arch = "sm_90";
  const std::string what = invalid_argument_of([&] { backend_row("cpu").make_backend(o); });
  EXPECT_EQ(what, "--arch sm_90: the cpu backend takes no architecture");
  o.arch.clear();
  auto b = backend_row("cpu").make_backend(o);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->name(), "cpu");
}

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

TEST(BackendDecisions, CudaLimitsShapesAndRenderFlags) {
  const BackendRow& row = backend_row("cuda");
  if (!row.availability().compile) GTEST_SKIP() << "no NVRTC here: " << row.availability().why;
  BackendOptions o;
  o.cache_root = scratch_dir("cache");
  o.arch = "sm_80";
  auto cuda = row.make_backend(o);
  EXPECT_EQ(cuda->render_flags(), (std::vector<std::string>{"--arch", "sm_80"}));
  EXPECT_TRUE(cuda->overlaps_compile());
  BuildResult b;
  b.registers = 32;
  b.smem_bytes = 0;
  EXPECT_EQ(cuda->effective_launch(Launch{8, 2048, 0}).threads, 2048) << "cuda launches what was asked";
  EXPECT_EQ(cuda->launch_limit(Launch{8, 256, 0}, b), "");
  EXPECT_EQ(cuda->launch_limit(Launch{8, 2048, 0}, b), "2048 threads per block (1..1024)");
  EXPECT_EQ(cuda->launch_limit(Launch{8, 256, 200000}, b), "200000 bytes of shared memory per block (sm_80 allows 166912)");
  b.registers = 255;
  EXPECT_NE(cuda->launch_limit(Launch{8, 1024, 0}, b).find("registers"), std::string::npos);
  const Shape s{{"rows", 7}, {"cols", 64}};
  EXPECT_EQ(cuda->problem_shape(Regime::decode, s), s);
  EXPECT_EQ(cuda->problem_shape(Regime::prefill, s), (Shape{{"rows", 16384}, {"cols", 64}}));
  if (!row.availability().run) {
    EXPECT_NO_THROW(cuda->require_runnable(true));
    EXPECT_NE(invalid_argument_of([&] { cuda->require_runnable(false); }).find("--compile-only"), std::string::npos);
  }
}
