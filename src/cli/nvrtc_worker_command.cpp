// `foundry nvrtc-worker`: internal; compiles CUDA programs for a run's compile threads.
#include "backends/cuda/nvrtc_process.hpp"
#include "cli/command.hpp"

namespace foundry::cli {

Command nvrtc_worker_command() {
  return {"nvrtc-worker", "", [](CLI::App&) -> Handler { return [] { return nvrtc_worker_main(); }; }};
}

}  // namespace foundry::cli
