// The cuda backend, coordinator side: NVRTC to CUBIN for one GPU
// architecture, through a content-addressed on-disk cache. Works without a
// GPU when the architecture is given (--arch sm_90): compile-only runs.
#pragma once
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <memory>
#include <string>

#include "backends/backend.hpp"
#include "backends/cuda/nvrtc_process.hpp"

namespace foundry {

class CudaBackend final : public Backend {
 public:
  // `arch` like "sm_90"; empty means the architecture of GPU 0. Throws with
  // the reason when NVRTC is missing, or when no arch is given and no GPU is usable.
  explicit CudaBackend(std::string arch = {}, std::filesystem::path cache_root = default_cache_root());

  std::string name() const override { return "cuda"; }
  std::string source_extension() const override { return "cu"; }
  std::string compiler_identity() const override { return identity_; }
  std::string device_name() const override { return device_; }
  std::string assemble(const OpContract& op, DType dtype, const std::string& rendered_body,
                       Entry entry = Entry::every_block) const override;
  BuildResult compile(const std::string& source, const std::vector<std::string>& extra_flags) const override;
  void compile_in_processes(const std::string& exe) override;
  std::string launch_limit(const Launch& launch, const BuildResult& build) const override;
  Shape problem_shape(Regime r, Shape s) const override;  // prefill: gpu_prefill
  bool overlaps_compile() const override { return true; }
  std::vector<int> worker_devices(int asked, bool asked_explicitly) const override;
  std::vector<std::string> sanitizer_tools() const override { return {"memcheck", "racecheck"}; }
  void require_runnable(bool compile_only) const override;
  std::string checker_artifact() const override;  // compile_checker's CUBIN
  std::vector<std::string> render_flags() const override { return {"--arch", arch_}; }

  // The elementwise check kernel (device_check.cu, entry foundry_check) that
  // workers run on outputs kept on the GPU.
  BuildResult compile_checker() const;
  const std::string& arch() const { return arch_; }
  bool has_device() const { return has_device_; }
  static const std::vector<std::string>& base_flags();

 private:
  std::string arch_;
  std::string identity_;
  std::string device_;
  bool has_device_ = false;
  std::filesystem::path cache_dir_;
  std::unique_ptr<NvrtcProcesses> processes_;  // null: NVRTC runs in this process
  mutable std::mutex inflight_mu_;
  mutable std::map<std::string, std::shared_future<void>> inflight_;  // cache keys being compiled
};

// The cuda backend's prefill shape: the contract's with 16384 rows/tokens.
Shape gpu_prefill(Shape s);

// Registers, smem, spills and stack of the entry point from a ptxas -v report.
void parse_ptxas_report(const std::string& log, BuildResult& r);

// The table's constructor: a CudaBackend for o.arch with o.cache_root (o.cxx is not used).
std::unique_ptr<Backend> make_cuda_backend(const BackendOptions& o);
// NVRTC present: it compiles; a driver and a GPU too: it runs (device: the GPUs).
BackendAvailability cuda_availability();

}  // namespace foundry
