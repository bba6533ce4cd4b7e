// Every backend, one row each: what the rest of foundry knows about a backend
// by its name. A backend is one folder under src/backends/ plus its row in
// backend_table.cpp; nothing outside src/backends/ compares backend names.
#pragma once
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backends/backend.hpp"
#include "backends/executor.hpp"

namespace foundry {

// The backend `foundry run`, `render` and `worker` use when none is named.
inline constexpr char kDefaultBackend[] = "cpu";

struct BackendRow {
  std::string name;     // --backend NAME, templates/<op>/NAME/, a record's `backend`
  std::string summary;  // one line for `foundry list --backends` where availability names no device
  std::string timer;    // what its latencies are measured with (a record's bench.timer)
  // The architecture `foundry render` assembles for when --arch is not given;
  // "" where the backend takes no architecture (render then ignores --arch).
  std::string render_arch;
  // Coordinator side. Throws std::invalid_argument naming the flag that does
  // not fit (e.g. --arch for cpu), std::runtime_error when it cannot work here.
  std::function<std::unique_ptr<Backend>(const BackendOptions&)> make_backend;
  // Worker side; throws when the backend cannot run here.
  std::function<std::unique_ptr<Executor>()> make_executor;
  // Whether it can compile and run here, and why not; never throws.
  std::function<BackendAvailability()> availability;
  // Copy bandwidth of `device` in GB/s, measured once and cached under cache_root.
  std::function<double(const std::filesystem::path& cache_root, const std::string& device)> copy_gbps;
  // How far above that bandwidth an honest variant's traffic rate may go (runs
  // from a flushed cache): a p50 below bytes / (copy_gbps x floor_margin) is
  // labelled suspect. Measured per backend (backend_table.cpp says how).
  double floor_margin = 0;
  // What a kernel author writes for it (export-sft's prompts): the language
  // and compiler, the kernel function's form up to its ABI parameters (which
  // follow, then ")"), and what the prelude gives a template.
  std::string language;
  std::string kernel_form;
  std::string prelude;
  // Its kernels run on the host, in the worker: workers get resource limits
  // and a filter against file writes (harness/worker_guard.hpp). A device
  // backend's worker needs its driver's files and address space.
  bool guard_workers = false;
};

const std::vector<BackendRow>& backend_table();
// The row named `name`; throws std::invalid_argument("--backend X: unknown backend (cpu, cuda)").
const BackendRow& backend_row(const std::string& name);
// The rows' names, in table order.
std::vector<std::string> backend_names();

}  // namespace foundry
