// The backend table: every backend is one row, found by name, and the rows'
// entries do what the coordinator and the workers rely on.
#include "backends/backend_table.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "cli_helpers.hpp"
#include "error_helpers.hpp"

using namespace foundry;
using foundry_test::invalid_argument_of;
using foundry_test::scratch_dir;

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
