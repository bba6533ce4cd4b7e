// NVRTC through helper processes: the same builds as in-process NVRTC, from
// many threads at once, and a helper that dies is a failed compile, not a
// dead run.
#include "backends/cuda/nvrtc_process.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "backends/cuda/cuda_backend.hpp"
#include "cli_helpers.hpp"
#include "cuda_helpers.hpp"
#include "ops/registry.hpp"
#include "templates/template.hpp"

using namespace foundry;
using foundry_test::require_nvrtc;
using foundry_test::scratch_dir;

namespace {
std::string file_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
}  // namespace

TEST(CudaCompileOnly, NvrtcHelperProcessesBuildWhatInProcessNvrtcBuilds) {
  require_nvrtc();
  CudaBackend here("sm_90", scratch_dir("cache-here"));
  CudaBackend helpers("sm_90", scratch_dir("cache-helpers"));
  helpers.compile_in_processes(foundry_test::kFoundryBinary);
  const auto& op = Registry::instance().get("rmsnorm");
  std::vector<std::string> sources;
  for (const auto& t : discover_templates(default_template_root()))
    if (t.backend == "cuda" && t.op == "rmsnorm") {
      std::string defines;  // each knob's first value
      for (const auto& k : t.knobs) defines += "#define " + k.name + " " + std::to_string(k.domain.front()) + "\n";
      sources.push_back(defines + here.assemble(op, DType::bf16, render_macros(t)));
    }
  ASSERT_GE(sources.size(), 3u);
  std::vector<BuildResult> got(sources.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < sources.size(); ++i) threads.emplace_back([&, i] { got[i] = helpers.compile(sources[i], {}); });
  for (auto& t : threads) t.join();
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const BuildResult want = here.compile(sources[i], {});
    ASSERT_TRUE(want.ok) << want.log;
    ASSERT_TRUE(got[i].ok) << got[i].log;
    EXPECT_FALSE(got[i].cache_hit);
    EXPECT_EQ(got[i].registers, want.registers);
    EXPECT_EQ(got[i].smem_bytes, want.smem_bytes);
    EXPECT_EQ(got[i].spill_bytes, want.spill_bytes);
    EXPECT_EQ(file_bytes(got[i].artifact), file_bytes(want.artifact)) << "cubin of source " << i;
  }
  // A compile error comes back with NVRTC's log, as in-process.
  const BuildResult bad = helpers.compile(here.assemble(op, DType::f32, "this is not CUDA"), {});
  EXPECT_EQ(bad.status, Status::compile_error);
  EXPECT_NE(bad.log.find("error"), std::string::npos) << bad.log;
}

TEST(CudaCompileOnly, AnNvrtcHelperThatDiesFailsItsCompileAndTheNextOneStartsAfresh) {
  require_nvrtc();
  // An executable that exits at once stands for a helper that crashed.
  NvrtcProcesses gone("/bin/true");
  for (int i = 0; i < 2; ++i) {
    const NvrtcOutput out = gone.compile("extern \"C\" __global__ void k() {}", {"--gpu-architecture=sm_90"});
    EXPECT_EQ(out.rc, -1);
    EXPECT_NE(out.error.find("nvrtc-worker) exited"), std::string::npos) << out.error;
  }
  EXPECT_EQ(gone.started(), 2);  // the dead one was not reused
  NvrtcProcesses live(foundry_test::kFoundryBinary);
  const NvrtcOutput ok = live.compile("extern \"C\" __global__ void k() {}", {"--gpu-architecture=sm_90"});
  EXPECT_EQ(ok.rc, 0) << ok.error << ok.log;
  EXPECT_FALSE(ok.cubin.empty());
}
