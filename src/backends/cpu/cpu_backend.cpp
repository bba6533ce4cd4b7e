#include "backends/cpu/cpu_backend.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/hash.hpp"
#include "core/process.hpp"

namespace foundry {

extern const char* const kEmbeddedPhilox;
extern const char* const kEmbeddedCpuPrelude;

namespace fs = std::filesystem;

namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string l; std::getline(in, l);)
    if (l.rfind("model name", 0) == 0) return l.substr(l.find(':') + 2);
  return "unknown cpu";
}
}  // namespace

const std::vector<std::string>& CpuBackend::base_flags() {
  // -march=native makes the cache key depend on the host CPU (it is part of the key).
  static const std::vector<std::string> flags{"-std=c++17", "-O3", "-march=native", "-fPIC", "-shared",
                                              "-fno-math-errno", "-w"};
  return flags;
}

CpuBackend::CpuBackend(std::string cxx, fs::path cache_root) : cxx_(std::move(cxx)) {
  if (cxx_.empty()) {
    const char* env = std::getenv("CXX");
    cxx_ = (env && *env) ? env : "c++";
  }
  ProcessResult v = run_process({cxx_, "--version"}, 30);
  if (v.exit_code != 0)
    throw std::runtime_error(fmt::format("cpu backend: compiler '{}' cannot run (set --cxx)", cxx_));
  identity_ = v.output.substr(0, v.output.find('\n'));
  cache_dir_ = cache_root / "cpu";
  fs::create_directories(cache_dir_);
}

std::unique_ptr<Backend> make_cpu_backend(const BackendOptions& o) {
  if (!o.arch.empty()) throw std::invalid_argument(fmt::format("--arch {}: the cpu backend takes no architecture", o.arch));
  return std::make_unique<CpuBackend>(o.cxx, o.cache_root);
}

BackendAvailability cpu_availability() { return {true, true, "", ""}; }

std::string CpuBackend::device_name() const {
  return fmt::format("{} ({} threads)", cpu_model(), sysconf(_SC_NPROCESSORS_ONLN));
}

Launch CpuBackend::effective_launch(Launch l) const {
  // Threads beyond the cores are not real parallelism: the record shows what runs.
  l.threads = std::clamp(l.threads, 1, static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN))));
  return l;
}

std::string cpu_c_type(Elem e, bool dtype_buffer) {
  if (dtype_buffer) return "T";
  switch (e) {
    case Elem::f32: return "float";
    case Elem::f16: return "_Float16";
    case Elem::bf16: return "uint16_t";
    case Elem::i32: return "int32_t";
    case Elem::i8: return "int8_t";
    case Elem::u8: return "uint8_t";
  }
  return "void";
}

std::string CpuBackend::assemble(const OpContract& op, DType dtype, const std::string& body, Entry entry) const {
  std::ostringstream s;
  s << "// foundry cpu kernel: op " << op.name << ", dtype " << to_string(dtype) << "\n";
  s << "#define FOUNDRY_DTYPE_" << (dtype == DType::f32 ? "F32" : dtype == DType::f16 ? "F16" : "BF16") << " 1\n";
  s << kEmbeddedPhilox << "\n" << kEmbeddedCpuPrelude << "\n";
  s << "// ---- template ----\n" << body << "\n";
  // The entry point: every argument arrives as a pointer to its value (the
  // CUDA kernelParams convention), in contract ABI order.
  s << "// ---- entry point (generated from the op contract) ----\n";
  s << "extern \"C\" void foundry_launch(void* const* args, int64_t block_begin, int64_t block_end, int64_t num_blocks) {\n";
  std::vector<std::string> names;
  int a = 0;
  for (const auto& b : op.buffers) {
    std::string ty = cpu_c_type(b.elem(dtype), !b.fixed.has_value());
    std::string cq = b.role == Role::in ? "const " : "";
    s << fmt::format("  {0}{1}* {2} = *({0}{1}* const*)args[{3}];\n", cq, ty, b.name, a++);
    names.push_back(b.name);
  }
  for (const auto& sym : op.size_symbols) {
    s << fmt::format("  const int64_t {} = *(const int64_t*)args[{}];\n", sym, a++);
    names.push_back(sym);
  }
  for (const auto& p : op.params) {
    s << fmt::format("  const {} {} = *(const {}*)args[{}];\n", p.type == ParamType::f32 ? "float" : "int64_t",
                     p.name, p.type == ParamType::f32 ? "float" : "int64_t", a++);
    names.push_back(p.name);
  }
  s << fmt::format("  for (int64_t b = block_begin; b < block_end; ++b) {}kernel(b, num_blocks, {});\n",
                   entry == Entry::skip_last_block ? "if (b != num_blocks - 1) " : "", fmt::join(names, ", "));
  s << "}\n";
  return s.str();
}

BuildResult CpuBackend::compile(const std::string& source, const std::vector<std::string>& extra_flags) const {
  BuildResult r;
  r.flags = base_flags();
  r.flags.insert(r.flags.end(), extra_flags.begin(), extra_flags.end());
  const std::string key = sha256_hex(fmt::format("{}\n{}\n{}\n{}", identity_, cpu_model(), fmt::join(r.flags, " "), source));
  r.artifact = cache_dir_ / (key + ".so");
  auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count(); };
  if (fs::exists(r.artifact)) {
    r.ok = true;
    r.cache_hit = true;
    r.ms = elapsed();
    return r;
  }
  // Compile into a private temporary, then rename: concurrent runs sharing the
  // cache never see a half-written object.
  const std::string tag = fmt::format("{}.{}.{}", key, getpid(), std::hash<std::thread::id>{}(std::this_thread::get_id()));
  const fs::path src = cache_dir_ / (tag + ".cpp");
  const fs::path tmp = cache_dir_ / (tag + ".so.tmp");
  {
    std::ofstream out(src);
    out << source;
  }
  std::vector<std::string> argv{cxx_};
  argv.insert(argv.end(), r.flags.begin(), r.flags.end());
  argv.insert(argv.end(), {"-o", tmp.string(), src.string()});
  ProcessResult p = run_process(argv, 300);
  r.ms = elapsed();
  fs::remove(src);
  if (p.exit_code != 0) {
    fs::remove(tmp);
    r.status = Status::compile_error;
    r.log = p.timed_out ? "compiler timed out after 300 s" : p.output.substr(0, 8000);
    return r;
  }
  fs::rename(tmp, r.artifact);
  r.ok = true;
  return r;
}

}  // namespace foundry
