#include "backends/cuda/nvrtc_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <stdexcept>

#include <fmt/format.h>

#include "backends/cuda/cuda_api.hpp"

namespace foundry {

NvrtcOutput nvrtc_compile(const std::string& source, const std::vector<std::string>& options) {
  NvrtcOutput out;
  std::string why;
  const cuda::Nvrtc* nv = cuda::nvrtc(&why);
  if (!nv) {
    out.error = why;
    return out;
  }
  std::vector<const char*> argv;
  for (const auto& o : options) argv.push_back(o.c_str());
  cuda::nvrtcProgram prog = nullptr;
  if (int e = nv->CreateProgram(&prog, source.c_str(), "kernel.cu", 0, nullptr, nullptr); e != 0) {
    out.rc = e;
    out.error = std::string("nvrtcCreateProgram: ") + nv->GetErrorString(e);
    return out;
  }
  out.rc = nv->CompileProgram(prog, static_cast<int>(argv.size()), argv.data());
  out.error = nv->GetErrorString(out.rc);
  std::size_t log_size = 0;
  nv->GetProgramLogSize(prog, &log_size);
  out.log.assign(log_size, '\0');
  if (log_size) nv->GetProgramLog(prog, out.log.data());
  while (!out.log.empty() && (out.log.back() == '\0' || out.log.back() == '\n')) out.log.pop_back();
  if (out.rc == 0) {
    std::size_t n = 0;
    nv->GetCUBINSize(prog, &n);
    out.cubin.resize(n);
    if (n) nv->GetCUBIN(prog, out.cubin.data());
  }
  nv->DestroyProgram(&prog);
  return out;
}

namespace {

// The pipe format: each field is its byte count (8 bytes, host order: both
// ends are the same executable) and its bytes.
bool write_all(int fd, const void* p, std::size_t n) {
  const char* c = static_cast<const char*>(p);
  while (n > 0) {
    const ssize_t w = write(fd, c, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    c += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

bool read_all(int fd, void* p, std::size_t n) {
  char* c = static_cast<char*>(p);
  while (n > 0) {
    const ssize_t r = read(fd, c, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    c += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

bool write_field(int fd, const std::string& s) {
  const uint64_t n = s.size();
  return write_all(fd, &n, sizeof n) && write_all(fd, s.data(), s.size());
}

bool read_field(int fd, std::string& s) {
  uint64_t n = 0;
  if (!read_all(fd, &n, sizeof n) || n > (uint64_t{1} << 32)) return false;
  s.resize(n);
  return read_all(fd, s.data(), n);
}

}  // namespace

int nvrtc_worker_main() {
  signal(SIGPIPE, SIG_IGN);  // a parent that went away: the write fails, the loop ends
  // Compiles yield the cores to the worker's uploads and checks (which
  // drive the GPU) where both run at once; alone they run at full speed.
  setpriority(PRIO_PROCESS, 0, 5);
  for (;;) {
    std::string count, source;
    if (!read_field(0, count)) return 0;  // EOF: the run is done with this helper
    std::vector<std::string> options(std::stoul(count));
    for (auto& o : options)
      if (!read_field(0, o)) return 1;
    if (!read_field(0, source)) return 1;
    const NvrtcOutput out = nvrtc_compile(source, options);
    if (!write_field(1, std::to_string(out.rc)) || !write_field(1, out.error) || !write_field(1, out.log) ||
        !write_field(1, out.cubin))
      return 1;
  }
}

NvrtcProcesses::~NvrtcProcesses() {
  for (auto& c : idle_) end(*c);
}

void NvrtcProcesses::end(Child& c) {
  if (c.to >= 0) close(c.to);  // the helper exits at EOF
  if (c.from >= 0) close(c.from);
  if (c.pid > 0) waitpid(c.pid, nullptr, 0);
  c = Child{};
}

int NvrtcProcesses::started() const {
  std::lock_guard lk(mu_);
  return started_;
}

std::unique_ptr<NvrtcProcesses::Child> NvrtcProcesses::take() {
  {
    std::lock_guard lk(mu_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
    ++started_;
  }
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error(std::string("nvrtc helper: pipe: ") + strerror(errno));
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]);
    close(in[1]);
    throw std::runtime_error(std::string("nvrtc helper: pipe: ") + strerror(errno));
  }
  // argv is built before fork: the child only calls dup2, execv and _exit.
  std::string a0 = exe_, a1 = "nvrtc-worker";
  char* argv[] = {a0.data(), a1.data(), nullptr};
  const pid_t pid = fork();
  if (pid < 0) {
    for (int fd : {in[0], in[1], out[0], out[1]}) close(fd);
    throw std::runtime_error(std::string("nvrtc helper: fork: ") + strerror(errno));
  }
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    execv(argv[0], argv);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  auto c = std::make_unique<Child>();
  c->pid = pid;
  c->to = in[1];
  c->from = out[0];
  return c;
}

void NvrtcProcesses::give_back(std::unique_ptr<Child> c) {
  std::lock_guard lk(mu_);
  idle_.push_back(std::move(c));
}

NvrtcOutput NvrtcProcesses::compile(const std::string& source, const std::vector<std::string>& options) {
  // A helper that died makes writes fail with EPIPE rather than SIGPIPE.
  static const bool ignore_sigpipe = [] { return signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
  (void)ignore_sigpipe;
  auto c = take();
  bool sent = write_field(c->to, std::to_string(options.size()));
  for (const auto& o : options) sent = sent && write_field(c->to, o);
  sent = sent && write_field(c->to, source);
  NvrtcOutput out;
  std::string rc;
  if (sent && read_field(c->from, rc) && read_field(c->from, out.error) && read_field(c->from, out.log) &&
      read_field(c->from, out.cubin)) {
    out.rc = std::stoi(rc);
    give_back(std::move(c));
    return out;
  }
  // The helper is gone (or answered out of shape): say how, and start afresh next time.
  close(c->to);
  c->to = -1;
  int st = 0;
  std::string how = "exited";
  if (waitpid(c->pid, &st, 0) == c->pid) {
    if (WIFSIGNALED(st)) how = fmt::format("killed by signal {} ({})", WTERMSIG(st), strsignal(WTERMSIG(st)));
    else if (WIFEXITED(st)) how = fmt::format("exited with status {}", WEXITSTATUS(st));
  }
  c->pid = -1;
  close(c->from);
  c->from = -1;
  out = NvrtcOutput{};
  out.error = fmt::format("the NVRTC helper process ({} nvrtc-worker) {} during the compile", exe_, how);
  return out;
}

}  // namespace foundry
