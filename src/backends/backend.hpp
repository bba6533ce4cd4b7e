// What the harness needs from a backend on the coordinator side: turning a
// rendered template into a complete translation unit, and compiling it through
// the content-addressed cache. Execution lives in the backend's runtime, which
// runs inside worker processes.
#pragma once
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/types.hpp"
#include "ops/op_contract.hpp"

namespace foundry {

// Default cache root: $FOUNDRY_CACHE_DIR, else $XDG_CACHE_HOME/foundry, else ~/.cache/foundry.
std::filesystem::path default_cache_root();

// What a backend is made with (the run's --cxx, --arch and --cache-dir).
struct BackendOptions {
  std::string cxx;   // host compiler ("": $CXX, else c++)
  std::string arch;  // device architecture ("": the device's)
  std::filesystem::path cache_root = default_cache_root();
};

// Whether a backend can build and run variants here, and why not.
struct BackendAvailability {
  bool compile = false;  // can build variants here
  bool run = false;      // can execute them here
  std::string device;    // what they run on ("": nothing beyond the backend's summary to say)
  std::string why;       // what is missing, when it cannot run
};

struct BuildResult {
  bool ok = false;
  Status status = Status::ok;  // compile_error or resource_limit when !ok
  std::filesystem::path artifact;  // shared object (cpu) or CUBIN (cuda)
  double ms = 0;
  bool cache_hit = false;
  std::string log;                 // compiler output on failure (truncated)
  std::vector<std::string> flags;
  // Per-thread registers, static shared memory and spill bytes (stores +
  // loads) from the device compiler's report; -1 where the backend has none.
  int registers = -1;
  int smem_bytes = -1;
  int spill_bytes = -1;
  int stack_bytes = -1;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  virtual std::string source_extension() const = 0;
  // Compiler identity (name and version) and the device it targets.
  virtual std::string compiler_identity() const = 0;
  virtual std::string device_name() const = 0;
  // Full translation unit: dtype selection, shared headers, prelude, the
  // rendered template body and whatever entry point the runtime calls.
  virtual std::string assemble(const OpContract& op, DType dtype, const std::string& rendered_body) const = 0;
  virtual BuildResult compile(const std::string& source, const std::vector<std::string>& extra_flags) const = 0;
};


}  // namespace foundry
