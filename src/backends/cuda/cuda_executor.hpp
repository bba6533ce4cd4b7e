// The cuda executor. Each test's inputs and float64 reference are uploaded
// once per case and stay on the device for every candidate of the case; a
// stage copies that test's in and inout buffers into the live buffers the
// kernel sees (one set for every test, so an address tells the kernel
// nothing) and poisons outputs with a device memset, all queued before the
// launch (and before a timed launch's start event). Buffers are allocated at
// their exact size, so compute-sanitizer sees any access past the end. Ops with the elementwise
// rule are checked on the device (device_check.cu), the others after copying
// back what the kernel writes. Timing: CUDA events around each launch, an L2
// flush (a memset of twice the L2) before the start event.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backends/cuda/cuda_runtime.hpp"
#include "backends/executor.hpp"
#include "backends/kernel_args.hpp"

namespace foundry {

class CudaExecutor final : public Executor {
 public:
  CudaExecutor();
  ~CudaExecutor() override;
  void new_case() override;
  ExecError load(const LoadSpec& spec) override;
  ExecError stage(const OpContract& op, const Case& c, const std::vector<HostBuffer>& pristine,
                  std::vector<HostBuffer>& work) override;
  ExecError launch(bool flush, double* us) override;
  // runtime_fault when a resident `in` buffer of test c changed (the kernel wrote into it).
  ExecError verify_inputs(const OpContract& op, const Case& c) override;
  ExecError keep(const OpContract& op, std::vector<HostBuffer>& work, int slot) override;
  ExecError bring_back(const OpContract& op, std::vector<HostBuffer>& work, int slot) override;
  ExecError fetch(const OpContract& op, std::vector<HostBuffer>& work) override;
  // Bit for bit on the device (foundry_diff_bytes); false on any error.
  bool same_as_kept(const OpContract& op, const std::vector<HostBuffer>& work, int slot) override;
  bool checks_in_place() const override { return !checker_path_.empty() && !host_checks_; }
  bool check_in_place(const OpContract& op, const Case& c, const std::vector<std::vector<double>>& ref,
                      const std::vector<Tolerance>& tol, CheckResult& out, ExecError& err) override;
  bool poisoned() const override { return poisoned_; }

 private:
  ExecError fail(const CudaError& e, bool during_launch);
  void load_checker();
  // The sum of the 32-bit words of a device range (foundry_sum_words), as verify_inputs compares them.
  unsigned long long word_sum(cuda::CUdeviceptr p, std::size_t bytes);
  // Device pointers, in ABI order, for a run of test `c` (`host`: its pristine buffers).
  std::vector<void*> device_args(const OpContract& op, const Case& c, const std::vector<HostBuffer>& host);
  // Device-to-device copies of the written buffers, between buffers_ and kept_[slot].
  void copy_written(const OpContract& op, int slot, bool to_kept);

  CudaContext ctx_;
  // Per test seed of the current case: the pristine in and inout buffers (null
  // for outputs), and the float64 reference of each written buffer.
  std::map<uint64_t, std::vector<std::unique_ptr<DeviceBuffer>>> resident_;
  std::map<uint64_t, std::vector<std::unique_ptr<DeviceBuffer>>> refs_;
  std::map<uint64_t, std::vector<unsigned long long>> ref_sums_;    // their bit-pattern sums, for tampering
  std::map<uint64_t, std::vector<unsigned long long>> input_sums_;  // 32-bit word sums of the `in` buffers
  std::vector<std::unique_ptr<DeviceBuffer>> buffers_;  // the live buffers the kernel sees, in ABI order
  std::vector<std::vector<std::unique_ptr<DeviceBuffer>>> kept_;  // per slot: copies of buffers_ (null for inputs)
  std::optional<KernelArgs> args_;                      // of the staged run
  uint64_t staged_seed_ = 0;                            // the test whose inputs the live buffers hold
  std::unique_ptr<DeviceBuffer> flush_;
  std::unique_ptr<CudaKernel> kernel_;
  std::string checker_path_;              // CUBIN of the device-side check and input fingerprint
  bool host_checks_ = false;              // compare outputs on the host even where the GPU could
  std::unique_ptr<CudaKernel> checker_;
  std::unique_ptr<CudaKernel> summer_;    // foundry_sum_words, from the same CUBIN
  std::unique_ptr<CudaKernel> differ_;    // foundry_diff_bytes, from the same CUBIN
  std::unique_ptr<DeviceBuffer> acc_;     // the check's maxima, counts and first indices
  cuda::CUevent start_ = nullptr, stop_ = nullptr;
  long long grid_ = 1, smem_ = 0;
  int threads_ = 1;
  bool poisoned_ = false;
};

}  // namespace foundry
