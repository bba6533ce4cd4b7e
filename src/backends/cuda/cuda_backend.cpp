#include "backends/cuda/cuda_backend.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <numeric>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "backends/cuda/cuda_api.hpp"
#include "backends/cuda/nvrtc_process.hpp"
#include "backends/cuda/cuda_runtime.hpp"
#include "core/hash.hpp"

namespace foundry {

extern const char* const kEmbeddedPhilox;
extern const char* const kEmbeddedCudaPrelude;
extern const char* const kEmbeddedCheckElement;
extern const char* const kEmbeddedDeviceCheck;

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string gpu_arch(const cuda::Driver& d, int ordinal, std::string* name) {
  cuda::CUdevice dev = 0;
  d.DeviceGet(&dev, ordinal);
  int major = 0, minor = 0;
  d.DeviceGetAttribute(&major, cuda::kAttrComputeMajor, dev);
  d.DeviceGetAttribute(&minor, cuda::kAttrComputeMinor, dev);
  char buf[256] = {0};
  d.DeviceGetName(buf, sizeof buf, dev);
  if (name) *name = buf;
  return fmt::format("sm_{}{}", major, minor);
}

std::string cuda_c_type(Elem e, bool dtype_buffer) {
  if (dtype_buffer) return "T";
  switch (e) {
    case Elem::f32: return "float";
    case Elem::f16: return "__half";
    case Elem::bf16: return "__nv_bfloat16";
    case Elem::i32: return "int32_t";
    case Elem::i8: return "int8_t";
    case Elem::u8: return "uint8_t";
  }
  return "void";
}

}  // namespace

const std::vector<std::string>& CudaBackend::base_flags() {
  static const std::vector<std::string> flags{"-std=c++17", "--ptxas-options=-v", "-w"};
  return flags;
}

CudaBackend::CudaBackend(std::string arch, fs::path cache_root) : arch_(std::move(arch)) {
  std::string why;
  const cuda::Nvrtc* nv = cuda::nvrtc(&why);
  if (!nv) throw std::runtime_error("cuda backend: " + why);
  std::string dwhy;
  const cuda::Driver* d = cuda::driver(&dwhy);
  if (d) {
    has_device_ = true;
    std::string name;
    std::string dev_arch = gpu_arch(*d, 0, &name);
    if (arch_.empty()) arch_ = dev_arch;
    device_ = fmt::format("{} ({})", name, dev_arch);
  } else {
    if (arch_.empty())
      throw std::runtime_error("cuda backend: no GPU usable here (" + dwhy + "); pass --arch sm_XX with --compile-only");
    device_ = fmt::format("none ({}; compiling for {})", dwhy, arch_);
  }
  if (!std::regex_match(arch_, std::regex("sm_[0-9]{2,3}[a-z]?")))
    throw std::invalid_argument(fmt::format("--arch {}: expected sm_XX, e.g. sm_90", arch_));
  identity_ = fmt::format("{} {}", nv->version(), arch_);
  cache_dir_ = cache_root / "cuda";
  fs::create_directories(cache_dir_);
}

std::string CudaBackend::assemble(const OpContract& op, DType dtype, const std::string& body, Entry entry) const {
  std::ostringstream s;
  s << "// foundry cuda kernel: op " << op.name << ", dtype " << to_string(dtype) << "\n";
  s << "#define FOUNDRY_DTYPE_" << (dtype == DType::f32 ? "F32" : dtype == DType::f16 ? "F16" : "BF16") << " 1\n";
  s << "#define FOUNDRY_HD __device__\n";
  s << kEmbeddedCudaPrelude << "\n" << kEmbeddedPhilox << "\n";
  s << "// ---- template ----\n" << body << "\n";
  // A template with a launch `cluster` (rendered as FOUNDRY_CLUSTER_BLOCKS):
  // the worker reads the size back from this global and launches clusters of it.
  if (body.find("#define FOUNDRY_CLUSTER_BLOCKS") != std::string::npos)
    s << "extern \"C\" __constant__ int foundry_cluster_blocks = FOUNDRY_CLUSTER_BLOCKS;\n";
  // The entry point: the contract's ABI, in order, as kernel parameters; the
  // launch passes a pointer to each value (kernelParams).
  s << "// ---- entry point (generated from the op contract) ----\n";
  s << "#ifndef FOUNDRY_LAUNCH_BOUNDS\n#define FOUNDRY_LAUNCH_BOUNDS\n#endif\n";
  std::vector<std::string> params, names;
  for (const auto& b : op.buffers) {
    std::string ty = cuda_c_type(b.elem(dtype), !b.fixed.has_value());
    params.push_back(fmt::format("{}{}* __restrict__ {}", b.role == Role::in ? "const " : "", ty, b.name));
    names.push_back(b.name);
  }
  for (const auto& sym : op.size_symbols) {
    params.push_back("int64_t " + sym);
    names.push_back(sym);
  }
  for (const auto& p : op.params) {
    params.push_back(fmt::format("{} {}", p.type == ParamType::f32 ? "float" : "int64_t", p.name));
    names.push_back(p.name);
  }
  s << fmt::format("extern \"C\" __global__ void FOUNDRY_LAUNCH_BOUNDS foundry_kernel({}) {{\n  {}kernel({});\n}}\n",
                   fmt::join(params, ", "), entry == Entry::skip_last_block ? "if (blockIdx.x != gridDim.x - 1) " : "",
                   fmt::join(names, ", "));
  return s.str();
}

void parse_ptxas_report(const std::string& log, BuildResult& r) {
  // Only the entry point's block: device functions may be reported too.
  std::size_t at = log.find("entry function 'foundry_kernel'");
  const std::string part = at == std::string::npos ? log : log.substr(at);
  std::smatch m;
  auto grab = [&](const char* re, int& into) {
    if (std::regex_search(part, m, std::regex(re))) into = std::stoi(m[1]);
  };
  grab(R"(Used (\d+) registers)", r.registers);
  r.smem_bytes = 0;
  grab(R"((\d+) bytes smem)", r.smem_bytes);
  grab(R"((\d+) bytes stack frame)", r.stack_bytes);
  int stores = 0, loads = 0;
  grab(R"((\d+) bytes spill stores)", stores);
  grab(R"((\d+) bytes spill loads)", loads);
  r.spill_bytes = stores + loads;
}

void CudaBackend::compile_in_processes(const std::string& exe) { processes_ = std::make_unique<NvrtcProcesses>(exe); }

BuildResult CudaBackend::compile(const std::string& source, const std::vector<std::string>& extra_flags) const {
  const cuda::Nvrtc& nv = *cuda::nvrtc();
  BuildResult r;
  r.flags = base_flags();
  r.flags.push_back("--gpu-architecture=" + arch_);
  r.flags.insert(r.flags.end(), extra_flags.begin(), extra_flags.end());
  const std::string key = sha256_hex(fmt::format("{}\n{}\n{}", identity_, fmt::join(r.flags, " "), source));
  r.artifact = cache_dir_ / (key + ".cubin");
  const fs::path meta = cache_dir_ / (key + ".json");
  auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count(); };
  auto from_cache = [&] {
    if (!fs::exists(r.artifact) || !fs::exists(meta)) return false;
    std::ifstream in(meta);
    json j = json::parse(in, nullptr, false);
    // An entry without registers came from a compile that printed no ptxas
    // report: not trusted, compiled again.
    if (j.is_discarded() || j.value("registers", -1) < 0) return false;
    r.ok = true;
    r.cache_hit = true;
    r.registers = j.value("registers", -1);
    r.smem_bytes = j.value("smem_bytes", -1);
    r.spill_bytes = j.value("spill_bytes", -1);
    r.stack_bytes = j.value("stack_bytes", -1);
    r.ms = elapsed();
    return true;
  };
  if (from_cache()) return r;
  // The same program asked for by several threads at once (cases of a run
  // share variants) compiles once; the others wait and take the cache entry.
  std::shared_future<void> other;
  std::promise<void> mine;
  {
    std::lock_guard lk(inflight_mu_);
    if (auto it = inflight_.find(key); it != inflight_.end())
      other = it->second;
    else
      inflight_.emplace(key, mine.get_future().share());
  }
  if (other.valid()) {
    other.wait();
    if (from_cache()) return r;  // else it failed: compiled here again, for this caller's own log
  }
  struct Done {  // whatever way this compile ends, its waiters go on
    const CudaBackend* be;
    const std::string& key;
    std::promise<void>* mine;
    ~Done() {
      if (!mine) return;
      std::lock_guard lk(be->inflight_mu_);
      be->inflight_.erase(key);
      mine->set_value();
    }
  } done{this, key, other.valid() ? nullptr : &mine};
  std::vector<std::string> opts = r.flags;
  opts.push_back("-I" + nv.include_dir);  // not part of the key: where headers live, not what they say
  // Not part of the key either: how NVRTC works, not what it builds. Its own
  // cache would skip ptxas and with it the resource report.
  if (nv.has_own_cache()) opts.push_back("--no-cache");
  const NvrtcOutput out = processes_ ? processes_->compile(source, opts) : nvrtc_compile(source, opts);
  const std::string& log = out.log;
  const std::string& cubin = out.cubin;
  r.ms = elapsed();
  if (out.rc < 0) {  // no verdict on the source: the compile did not run to its end
    r.status = Status::harness_error;
    r.log = out.error;
    return r;
  }
  if (out.rc != 0 || cubin.empty()) {
    r.status = Status::compile_error;
    r.log = fmt::format("{}\n{}", out.error, log).substr(0, 8000);
    return r;
  }
  parse_ptxas_report(log, r);
  if (r.registers < 0) {
    // Without the report the launch limits (registers x threads) cannot be
    // checked: no variant goes on unchecked.
    r.status = Status::harness_error;
    r.log = "ptxas printed no resource report (--ptxas-options=-v) for foundry_kernel:\n" + log.substr(0, 4000);
    return r;
  }
  // Private temporaries, then rename: concurrent runs sharing the cache never
  // see half-written files; the metadata lands last and marks the entry complete.
  const std::string tag = fmt::format(".{}.{}.tmp", getpid(), std::hash<std::thread::id>{}(std::this_thread::get_id()));
  {
    std::ofstream out(r.artifact.string() + tag, std::ios::binary);
    out.write(cubin.data(), static_cast<std::streamsize>(cubin.size()));
  }
  fs::rename(r.artifact.string() + tag, r.artifact);
  {
    std::ofstream out(meta.string() + tag);
    out << json{{"registers", r.registers}, {"smem_bytes", r.smem_bytes}, {"spill_bytes", r.spill_bytes},
                {"stack_bytes", r.stack_bytes}, {"ptxas", log}}
               .dump(2);
  }
  fs::rename(meta.string() + tag, meta);
  r.ok = true;
  return r;
}

std::string CudaBackend::launch_limit(const Launch& l, const BuildResult& b) const {
  if (l.threads < 1 || l.threads > 1024) return fmt::format("{} threads per block (1..1024)", l.threads);
  // Opt-in shared memory per block by architecture (CUDA programming guide).
  const int64_t smem_max = arch_ >= "sm_90" ? 232448 : arch_ == "sm_80" ? 166912 : arch_ >= "sm_86" ? 101376 : 65536;
  const int64_t smem = std::max(0, b.smem_bytes) + l.smem;
  if (smem > smem_max) return fmt::format("{} bytes of shared memory per block ({} allows {})", smem, arch_, smem_max);
  const int64_t regs = static_cast<int64_t>(std::max(0, b.registers)) * ((l.threads + 31) / 32 * 32);
  if (regs > 65536) return fmt::format("{} registers x {} threads exceed the 65536 of a multiprocessor", b.registers, l.threads);
  return "";
}

Shape gpu_prefill(Shape s) {
  // A GPU prefill batch: 16384 tokens, so that one launch moves far more than
  // the L2 holds. Caches grow to keep every token a slot.
  for (const char* sym : {"rows", "tokens"})
    if (s.count(sym)) s[sym] = 16384;
  if (s.count("cache_slots")) s["cache_slots"] = std::max<int64_t>(s["cache_slots"], 2 * 16384);
  return s;
}

Shape CudaBackend::problem_shape(Regime r, Shape s) const { return r == Regime::prefill ? gpu_prefill(std::move(s)) : s; }

std::vector<int> CudaBackend::worker_devices(int asked, bool asked_explicitly) const {
  // One worker per visible GPU, each seeing only its own: one benchmark at a time per GPU.
  const int gpus = has_device_ ? cuda_device_count() : 0;
  std::vector<int> devices(static_cast<std::size_t>(std::max(1, std::min(gpus, asked_explicitly ? asked : gpus))));
  std::iota(devices.begin(), devices.end(), 0);
  return devices;
}

void CudaBackend::require_runnable(bool compile_only) const {
  if (!has_device_ && !compile_only)
    throw std::invalid_argument(fmt::format("--backend cuda: no GPU usable here ({}); add --compile-only --arch sm_XX", device_));
}

std::string CudaBackend::checker_artifact() const {
  // Outputs of ops with the elementwise rule are checked where they are, on
  // the GPU (unless --host-checks), and inputs are fingerprinted there.
  BuildResult check = compile_checker();
  if (!check.ok) throw std::runtime_error("cuda: the device-side check kernel did not compile: " + check.log);
  return check.artifact.string();
}

BuildResult CudaBackend::compile_checker() const {
  // No contraction into FMAs: the tolerance bound rounds as on the host.
  const std::string source = std::string("#define FOUNDRY_HD __device__\n") + kEmbeddedCheckElement + "\n" +
                             kEmbeddedDeviceCheck;
  return compile(source, {"--fmad=false"});
}

std::unique_ptr<Backend> make_cuda_backend(const BackendOptions& o) {
  return std::make_unique<CudaBackend>(o.arch, o.cache_root);
}

BackendAvailability cuda_availability() {
  BackendAvailability a;
  std::string why;
  const cuda::Nvrtc* nv = cuda::nvrtc(&why);
  if (!nv) {
    a.why = why;
    return a;
  }
  a.compile = true;
  std::string dwhy;
  if (const cuda::Driver* d = cuda::driver(&dwhy)) {
    a.run = true;
    std::string name;
    std::string arch = gpu_arch(*d, 0, &name);
    int n = 0;
    d->DeviceGetCount(&n);
    a.device = fmt::format("{} GPU(s): {} ({}); {}", n, name, arch, nv->version());
  } else {
    a.why = dwhy + "; compile-only runs work here (--compile-only --arch sm_XX) with " + nv->version();
  }
  return a;
}

}  // namespace foundry
