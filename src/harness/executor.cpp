#include "harness/executor.hpp"

#include <stdexcept>

#include "backends/cpu/cpu_executor.hpp"
#include "backends/cuda/cuda_executor.hpp"

namespace foundry {

std::unique_ptr<Executor> make_executor(const std::string& backend) {
  if (backend == "cpu") return std::make_unique<CpuExecutor>();
  if (backend == "cuda") return std::make_unique<CudaExecutor>();
  throw std::invalid_argument("worker: unknown backend '" + backend + "'");
}

}  // namespace foundry
