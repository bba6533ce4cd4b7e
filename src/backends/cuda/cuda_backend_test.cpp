// The cuda backend's unit tests: NVRTC compiles (here, without a GPU), the
// ptxas report, and what the backend decides for the coordinator.
#include "backends/cuda/cuda_backend.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "backends/backend_table.hpp"
#include "cli_helpers.hpp"
#include "cuda_helpers.hpp"
#include "error_helpers.hpp"
#include "ops/registry.hpp"
#include "templates/template.hpp"

using namespace foundry;
using foundry_test::invalid_argument_of;
using foundry_test::require_nvrtc;
using foundry_test::scratch_dir;

TEST(CudaBackend, PtxasReportGivesTheEntryPointsResources) {
  const std::string log =
      "ptxas info    : 0 bytes gmem\n"
      "ptxas info    : Function properties for helper\n"
      "ptxas         .     64 bytes stack frame, 8 bytes spill stores, 8 bytes spill loads\n"
      "ptxas info    : Compiling entry function 'foundry_kernel' for 'sm_90'\n"
      "ptxas info    : Function properties for foundry_kernel\n"
      "ptxas         .     16 bytes stack frame, 12 bytes spill stores, 4 bytes spill loads\n"
      "ptxas info    : Used 40 registers, used 1 barriers, 1152 bytes smem\n";
  BuildResult r;
  foundry::parse_ptxas_report(log, r);
  EXPECT_EQ(r.registers, 40);
  EXPECT_EQ(r.smem_bytes, 1152);
  EXPECT_EQ(r.spill_bytes, 16);
  EXPECT_EQ(r.stack_bytes, 16);
}

// Another tuner (Kernel Tuner, bench/kernel_tuner_compare.py) takes a template
// as `render --macros` with its knobs as #defines: no name in the prelude may
// collide with a knob, in any shipped template.
TEST(CudaCompileOnly, EveryCudaTemplateCompilesWithKnobsAsMacros) {
  require_nvrtc();
  foundry::CudaBackend backend("sm_90", scratch_dir("cache"));
  int n = 0;
  for (const auto& t : foundry::discover_templates(foundry::default_template_root())) {
    if (t.backend != "cuda") continue;
    std::string defines;
    for (const auto& k : t.knobs) defines += "#define " + k.name + " " + std::to_string(k.domain.front()) + "\n";
    const auto& op = foundry::Registry::instance().get(t.op);
    BuildResult r = backend.compile(defines + backend.assemble(op, foundry::DType::f32, foundry::render_macros(t)), {});
    EXPECT_TRUE(r.ok) << t.id << ":\n" << r.log;
    ++n;
  }
  EXPECT_GE(n, 36);
}

TEST(CudaCompileOnly, DeviceCheckKernelCompiles) {
  require_nvrtc();
  foundry::CudaBackend backend("sm_90", scratch_dir("cache"));
  BuildResult r = backend.compile_checker();
  EXPECT_TRUE(r.ok) << r.log;
  EXPECT_TRUE(std::filesystem::exists(r.artifact));
  EXPECT_EQ(r.spill_bytes, 0);
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

// The second compile of the same source in a fresh foundry cache is one that
// NVRTC (12.9+) would serve from its own cache, without running ptxas: every
// compile must still carry the resource figures, or the register limit check
// would skip it. Concurrent compiles too.
TEST(CudaCompileOnly, EveryCompileCarriesItsResourceFigures) {
  require_nvrtc();
  const auto templates = foundry::discover_templates(foundry::default_template_root());
  std::vector<std::string> sources;
  for (const auto& t : templates) {
    if (t.backend != "cuda" || sources.size() >= 8) continue;
    std::string defines;
    for (const auto& k : t.knobs) defines += "#define " + k.name + " " + std::to_string(k.domain.front()) + "\n";
    foundry::CudaBackend b("sm_90", scratch_dir("cache-src"));
    sources.push_back(defines + b.assemble(foundry::Registry::instance().get(t.op), foundry::DType::f32,
                                           foundry::render_macros(t)));
  }
  ASSERT_EQ(sources.size(), 8u);
  for (int round = 0; round < 2; ++round) {
    foundry::CudaBackend backend("sm_90", scratch_dir("cache-round" + std::to_string(round)));
    std::vector<BuildResult> results(sources.size());
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < sources.size(); ++i)
      threads.emplace_back([&, i] { results[i] = backend.compile(sources[i], {}); });
    for (auto& t : threads) t.join();
    for (std::size_t i = 0; i < sources.size(); ++i) {
      EXPECT_TRUE(results[i].ok) << "round " << round << " source " << i << ": " << results[i].log;
      EXPECT_GT(results[i].registers, 0) << "round " << round << " source " << i;
      EXPECT_GE(results[i].smem_bytes, 0) << "round " << round << " source " << i;
    }
  }
}

// A template's launch `cluster` reaches the worker as the module global
// foundry_cluster_blocks (CudaKernel reads it and launches clusters of that
// size through cuLaunchKernelEx); kernels without one carry no such global.
TEST(CudaCompileOnly, ClusterSizeIsCompiledIntoTheKernel) {
  require_nvrtc();
  foundry::CudaBackend backend("sm_90", scratch_dir("cache"));
  const auto& op = foundry::Registry::instance().get("rmsnorm");
  const auto templates = foundry::discover_templates(foundry::default_template_root());
  const foundry::KernelTemplate* split = nullptr;
  const foundry::KernelTemplate* plain = nullptr;
  for (const auto& t : templates) {
    if (t.id == "rmsnorm_cluster") split = &t;
    if (t.id == "rmsnorm_vec") plain = &t;
  }
  ASSERT_TRUE(split && plain);
  foundry::Knobs knobs;
  for (const auto& k : split->knobs) knobs[k.name] = k.domain.front();
  knobs["CLUSTER"] = 8;
  EXPECT_EQ(foundry::cluster_blocks(*split, knobs), 8);
  const std::string src = backend.assemble(op, foundry::DType::bf16, foundry::render(*split, knobs));
  EXPECT_NE(src.find("extern \"C\" __constant__ int foundry_cluster_blocks = FOUNDRY_CLUSTER_BLOCKS;"), std::string::npos);
  BuildResult r = backend.compile(src, {});
  ASSERT_TRUE(r.ok) << r.log;
  EXPECT_EQ(r.spill_bytes, 0);
  {  // kept in the CUBIN although no device code reads it: the worker looks it up by name
    std::ifstream in(r.artifact, std::ios::binary);
    const std::string cubin((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(cubin.find("foundry_cluster_blocks"), std::string::npos);
  }
  // Clusters are sm_90's: an older target refuses the template by name.
  foundry::CudaBackend old("sm_80", scratch_dir("cache"));
  BuildResult o = old.compile(old.assemble(op, foundry::DType::bf16, foundry::render(*split, knobs)), {});
  EXPECT_FALSE(o.ok);
  EXPECT_NE(o.log.find("sm_90 or newer"), std::string::npos) << o.log;

  foundry::Knobs pk;
  for (const auto& k : plain->knobs) pk[k.name] = k.domain.front();
  EXPECT_EQ(backend.assemble(op, foundry::DType::bf16, foundry::render(*plain, pk)).find("foundry_cluster_blocks"),
            std::string::npos);
}

TEST(CudaCompileOnly, OneProgramAskedForByManyThreadsAtOnceCompilesOnce) {
  require_nvrtc();
  foundry::CudaBackend backend("sm_90", scratch_dir("cache"));
  const auto& op = foundry::Registry::instance().get("softmax");
  const foundry::KernelTemplate* t = nullptr;
  const auto all = foundry::discover_templates(foundry::default_template_root());
  for (const auto& k : all)
    if (k.backend == "cuda" && k.op == "softmax") t = &k;
  ASSERT_NE(t, nullptr);
  std::string defines;
  for (const auto& k : t->knobs) defines += "#define " + k.name + " " + std::to_string(k.domain.front()) + "\n";
  const std::string src = defines + backend.assemble(op, foundry::DType::f16, foundry::render_macros(*t));
  std::vector<BuildResult> got(6);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < got.size(); ++i) threads.emplace_back([&, i] { got[i] = backend.compile(src, {}); });
  for (auto& th : threads) th.join();
  int compiled = 0;
  for (const auto& r : got) {
    ASSERT_TRUE(r.ok) << r.log;
    EXPECT_EQ(r.artifact, got[0].artifact);
    EXPECT_EQ(r.registers, got[0].registers);
    compiled += !r.cache_hit;
  }
  EXPECT_EQ(compiled, 1);
}
