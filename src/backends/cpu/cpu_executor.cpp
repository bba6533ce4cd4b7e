#include "backends/cpu/cpu_executor.hpp"

#include <unistd.h>

#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "backends/host_buffers.hpp"

namespace foundry {

CpuExecutor::CpuExecutor() : pool_(static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN))) {}

ExecError CpuExecutor::load(const LoadSpec& spec) {
  kernel_.reset();
  args_.reset();
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

ExecError CpuExecutor::stage(const OpContract& op, const Case& c, const std::vector<HostBuffer>& pristine,
                             std::vector<HostBuffer>& work) {
  prepare_buffers(op, pristine, work);
  for (auto& b : work) b.reset_slack();  // each run is judged on its own writes
  args_.emplace(op, host_pointers(work), c);
  work_ = &work;
  return {};
}

ExecError CpuExecutor::after_run() const {
  for (const auto& b : *work_)
    if (!b.slack_intact()) return {Status::runtime_fault, fmt::format("wrote past the end of buffer {}", b.name())};
  return {};
}

ExecError CpuExecutor::launch(bool flush, double* us) {
  if (!us) {
    kernel_->launch(pool_, args_->args.data(), grid_, threads_);
    return after_run();
  }
  // The sweep evicts what the stage's copies left in the cache: the run reads
  // its inputs from memory, as it would in a model.
  if (flush) flusher_.flush();
  const auto t0 = std::chrono::steady_clock::now();
  kernel_->launch(pool_, args_->args.data(), grid_, threads_);
  *us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  return after_run();
}

ExecError CpuExecutor::keep(const OpContract& op, std::vector<HostBuffer>& work, int slot) {
  if (kept_.size() <= static_cast<std::size_t>(slot)) kept_.resize(static_cast<std::size_t>(slot) + 1);
  auto& k = kept_[static_cast<std::size_t>(slot)];
  if (k.empty())  // first use in this case: buffers shaped like the written ones
    for (std::size_t i = 0; i < work.size(); ++i)
      k.push_back(op.buffers[i].role == Role::in ? HostBuffer() : HostBuffer(work[i].name(), work[i].elem(), work[i].dims()));
  for (std::size_t i = 0; i < work.size(); ++i)
    if (op.buffers[i].role != Role::in) std::memcpy(k[i].data(), work[i].data(), work[i].bytes());
  return {};
}

ExecError CpuExecutor::bring_back(const OpContract& op, std::vector<HostBuffer>& work, int slot) {
  const auto& k = kept_.at(static_cast<std::size_t>(slot));
  for (std::size_t i = 0; i < work.size(); ++i)
    if (op.buffers[i].role != Role::in) std::memcpy(work[i].data(), k[i].data(), work[i].bytes());
  return {};
}

bool CpuExecutor::same_as_kept(const OpContract& op, const std::vector<HostBuffer>& work, int slot) {
  if (kept_.size() <= static_cast<std::size_t>(slot) || kept_[static_cast<std::size_t>(slot)].empty()) return false;
  const auto& k = kept_[static_cast<std::size_t>(slot)];
  for (std::size_t i = 0; i < work.size(); ++i)
    if (op.buffers[i].role != Role::in && std::memcmp(work[i].data(), k[i].data(), work[i].bytes()) != 0) return false;
  return true;
}

}  // namespace foundry
