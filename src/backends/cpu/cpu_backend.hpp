// The cpu backend, coordinator side: host C++ compiler to a shared object,
// through a content-addressed on-disk cache.
#pragma once
#include <filesystem>
#include <memory>
#include <string>

#include "backends/backend.hpp"

namespace foundry {

class CpuBackend final : public Backend {
 public:
  // `cxx`: compiler command (default: $CXX, else c++). Throws if it cannot run.
  explicit CpuBackend(std::string cxx = {}, std::filesystem::path cache_root = default_cache_root());

  std::string name() const override { return "cpu"; }
  std::string source_extension() const override { return "cpp"; }
  std::string compiler_identity() const override { return identity_; }
  std::string device_name() const override;
  std::string assemble(const OpContract& op, DType dtype, const std::string& rendered_body,
                       Entry entry = Entry::every_block) const override;
  BuildResult compile(const std::string& source, const std::vector<std::string>& extra_flags) const override;
  Launch effective_launch(Launch requested) const override;

  const std::filesystem::path& cache_dir() const { return cache_dir_; }
  // Flags every variant is compiled with; a record's build.flags are these
  // followed by the template's knob-dependent flags.
  static const std::vector<std::string>& base_flags();

 private:
  std::string cxx_;
  std::string identity_;
  std::filesystem::path cache_dir_;
};

// The table's constructor: a CpuBackend with o.cxx and o.cache_root; throws
// std::invalid_argument naming --arch when one is given (the host has none to pick).
std::unique_ptr<Backend> make_cpu_backend(const BackendOptions& o);
// Always compiles and runs here: the host compiler is checked when the backend is made.
BackendAvailability cpu_availability();

// The C type a kernel parameter has for a buffer element type.
std::string cpu_c_type(Elem e, bool dtype_buffer);

}  // namespace foundry
