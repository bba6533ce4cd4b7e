#include "backends/cpu/cpu_executor.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include "backends/host_buffers.hpp"
#include "backends/kernel_args.hpp"

namespace foundry {

CpuExecutor::CpuExecutor() : pool_(static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN))) {}

ExecError CpuExecutor::load(const LoadSpec& spec) {
  kernel_.reset();
  if (spec.grid < 1) return {Status::launch_error, fmt::format("grid of {} blocks", spec.grid)};
  try {
    kernel_ = std::make_unique<CpuKernel>(spec.artifact);
  } catch (const std::exception& e) {
    return {Status::launch_error, e.what()};
  }
  grid_ = spec.grid;
  threads_ = spec.threads;
  return {};
}

ExecError CpuExecutor::run(const OpContract& op, const Case& c, const std::vector<HostBuffer>& pristine,
                           std::vector<HostBuffer>& work) {
  prepare_buffers(op, pristine, work);
  KernelArgs args(op, host_pointers(work), c);
  kernel_->launch(pool_, args.args.data(), grid_, threads_);
  return {};
}

ExecError CpuExecutor::time(const OpContract& op, const Case& c, const std::vector<HostBuffer>& pristine,
                            std::vector<HostBuffer>& work, const BenchConfig& cfg, LatencyStats& out) {
  prepare_buffers(op, pristine, work);
  KernelArgs args(op, host_pointers(work), c);
  out = time_cpu([&] { kernel_->launch(pool_, args.args.data(), grid_, threads_); }, cfg, flusher_);
  return {};
}

}  // namespace foundry
