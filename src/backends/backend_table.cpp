#include "backends/backend_table.hpp"

#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "backends/cpu/cpu_backend.hpp"
#include "backends/cpu/cpu_executor.hpp"
#include "backends/cpu/cpu_runtime.hpp"
#include "backends/cuda/cuda_backend.hpp"
#include "backends/cuda/cuda_executor.hpp"
#include "backends/cuda/cuda_runtime.hpp"

namespace foundry {

const std::vector<BackendRow>& backend_table() {
  static const std::vector<BackendRow> rows{
      {"cpu", "host C++ compiler, dlopen", "steady_clock", "", make_cpu_backend,
       [] { return std::unique_ptr<Executor>(std::make_unique<CpuExecutor>()); }, cpu_availability, cpu_copy_gbps},
      {"cuda", "NVRTC and the CUDA driver API, opened at run time", "cuda_event", "sm_90", make_cuda_backend,
       [] { return std::unique_ptr<Executor>(std::make_unique<CudaExecutor>()); }, cuda_availability, cuda_copy_gbps},
  };
  return rows;
}

const BackendRow& backend_row(const std::string& name) {
  for (const auto& row : backend_table())
    if (row.name == name) return row;
  throw std::invalid_argument(fmt::format("--backend {}: unknown backend ({})", name, fmt::join(backend_names(), ", ")));
}

std::vector<std::string> backend_names() {
  std::vector<std::string> names;
  for (const auto& row : backend_table()) names.push_back(row.name);
  return names;
}

}  // namespace foundry
