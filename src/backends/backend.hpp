// What the coordinator needs from a backend: turning a rendered template into
// a complete translation unit, compiling it through the content-addressed
// cache, and the few decisions that differ between backends (launch limits,
// problem shapes, workers and their devices). Execution lives in the backend's
// executor, which runs inside worker processes (backends/executor.hpp).
#pragma once
#include <cstdint>
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

// A variant's launch geometry, from its template's `launch` expressions.
struct Launch {
  int64_t grid = 0;
  int threads = 0;   // cpu: worker threads; cuda: threads per block
  int64_t smem = 0;  // cuda: dynamic shared memory bytes per block
};

struct BuildResult {
  bool ok = false;
  Status status = Status::ok;  // compile_error, resource_limit or harness_error when !ok
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
  // `entry`: skip_last_block generates an entry point that never runs the
  // grid's last block, a deliberately broken variant (--inject-faults).
  enum class Entry { every_block, skip_last_block };
  virtual std::string assemble(const OpContract& op, DType dtype, const std::string& rendered_body,
                               Entry entry = Entry::every_block) const = 0;
  virtual BuildResult compile(const std::string& source, const std::vector<std::string>& extra_flags) const = 0;
  // From now on, compile through helper processes of the foundry executable
  // `exe` where compiles on threads of one process would contend (cuda: NVRTC).
  virtual void compile_in_processes(const std::string& /*exe*/) {}

  // The decisions below default to what a host backend does (the cpu backend's).

  // The launch that runs for a template's requested one (cpu: threads clamped to [1, cores]).
  virtual Launch effective_launch(Launch requested) const { return requested; }
  // Why a built variant cannot launch on the target, or "" when it can
  // (cuda: threads, shared memory and registers per block of the architecture).
  virtual std::string launch_limit(const Launch& /*launch*/, const BuildResult& /*build*/) const { return ""; }
  // The shape a contract's shape of regime `r` is run at here (cuda: prefill at GPU sizes).
  virtual Shape problem_shape(Regime /*r*/, Shape s) const { return s; }
  // Whether the next batch compiles while this one is evaluated: true where
  // compiling does not compete with the timed kernel (cuda: host vs GPU).
  virtual bool overlaps_compile() const { return false; }
  // One entry per worker process: the device index it sees (CUDA_VISIBLE_DEVICES)
  // or -1. `asked`: --workers, `asked_explicitly`: whether it was given.
  // Default: `asked` workers, no device (cuda: one per visible GPU, at most `asked` when given).
  virtual std::vector<int> worker_devices(int asked, bool asked_explicitly) const;
  // Memory and race checkers the confirm pass can run a variant's checks
  // under (--sanitize); none where the checks guard memory themselves.
  virtual std::vector<std::string> sanitizer_tools() const { return {}; }
  // Throws std::invalid_argument saying what is missing when variants cannot
  // run here and the run is not compile-only.
  virtual void require_runnable(bool /*compile_only*/) const {}
  // The artifact workers run their device-side checks with, "" for none
  // (cuda: the compiled device_check.cu); throws std::runtime_error when it does not build.
  virtual std::string checker_artifact() const { return ""; }
  // Flags a `foundry render` line needs to print exactly this backend's source (cuda: --arch).
  virtual std::vector<std::string> render_flags() const { return {}; }
};


}  // namespace foundry
