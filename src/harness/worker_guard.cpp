#include "harness/worker_guard.hpp"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "backends/timing.hpp"
#include "ops/registry.hpp"

namespace foundry {

namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;

uint64_t cores() { return std::max<uint64_t>(1, std::thread::hardware_concurrency()); }

}  // namespace

GuardLimits guard_limits_for(const EvalRequest& req, const WorkerLimits& limits) {
  GuardLimits g;
  const double n = static_cast<double>(cores());
  g.cpu_s = limits.cpu_s > 0 ? limits.cpu_s : limits.phase_s * n + 1;
  g.prepare_cpu_s = limits.prepare_s * n + 1;
  if (limits.memory_mib > 0) {
    g.memory_bytes = static_cast<uint64_t>(limits.memory_mib * static_cast<double>(kMiB));
  } else {
    double case_bytes = 0;
    try {
      const OpContract& op = Registry::instance().get(req.op);
      case_bytes = op.total_bytes(Case{req.op, req.dtype, req.shape, req.params, req.seed, 0});
    } catch (const std::exception&) {
      // An unknown op fails in the worker with its own message; the floor is enough for that.
    }
    // The case's inputs and outputs per test, its float64 references (up to 4x
    // a bf16 output), the work buffers and the outputs set aside while timing.
    const double per_case = 8.0 + 8.0 * std::max(req.n_tests, 1);
    g.memory_bytes = 1024 * kMiB + 256 * kMiB * cores() + static_cast<uint64_t>(per_case * case_bytes) +
                     4 * static_cast<uint64_t>(last_level_cache_bytes());
  }
  g.open_files = limits.open_files > 0 ? static_cast<uint64_t>(limits.open_files) : 256;
  return g;
}

// ---- the seccomp filter -------------------------------------------------

#if defined(__x86_64__)
#define FOUNDRY_SECCOMP_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define FOUNDRY_SECCOMP_ARCH AUDIT_ARCH_AARCH64
#endif

#if defined(FOUNDRY_SECCOMP_ARCH) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
namespace {

struct Filter {
  std::vector<sock_filter> code;
  void stmt(uint16_t c, uint32_t k) { code.push_back(BPF_STMT(c, k)); }
  void jump(uint16_t c, uint32_t k, uint8_t jt, uint8_t jf) { code.push_back(BPF_JUMP(c, k, jt, jf)); }
  void load_nr() { stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)); }
  // Low and high 32 bits of argument i (little-endian).
  void load_arg(int i, bool high) {
    stmt(BPF_LD | BPF_W | BPF_ABS, static_cast<uint32_t>(offsetof(seccomp_data, args) + 8 * i + (high ? 4 : 0)));
  }
  void deny(long nr, int err) {
    jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(nr), 0, 1);
    stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | static_cast<uint32_t>(err));
  }
  // The call fails when its flags argument asks to write, create or truncate.
  void deny_write_open(long nr, int flags_arg) {
    jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(nr), 0, 4);
    load_arg(flags_arg, false);
    jump(BPF_JMP | BPF_JSET | BPF_K, O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0, 1);
    stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES);
    stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  }
  // prlimit64 may read a limit (new_limit NULL) but not set one.
  void deny_setting_limits(long nr) {
    jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(nr), 0, 6);
    load_arg(2, false);
    jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3);
    load_arg(2, true);
    jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1);
    stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
  }
};

std::vector<sock_filter> guard_filter() {
  Filter f;
  // Another architecture's calling convention (i386 int 0x80) would bypass the numbers below.
  f.stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch));
  f.jump(BPF_JMP | BPF_JEQ | BPF_K, FOUNDRY_SECCOMP_ARCH, 1, 0);
  f.stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
  f.load_nr();
#if defined(__x86_64__)
  // x32 numbers: the same calls under other numbers.
  f.jump(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1);
  f.stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
#endif
#ifdef __NR_open
  f.deny_write_open(__NR_open, 1);
#endif
  f.deny_write_open(__NR_openat, 2);
  f.deny(__NR_openat2, ENOSYS);  // flags behind a pointer the filter cannot read; callers fall back to openat
  f.deny(__NR_open_by_handle_at, EPERM);
  f.deny(__NR_io_uring_setup, EPERM);  // its opens never pass through this filter
  f.deny_setting_limits(__NR_prlimit64);
  for (long nr : std::initializer_list<long>{
#ifdef __NR_creat
           __NR_creat,
#endif
#ifdef __NR_rename
           __NR_rename,
#endif
#ifdef __NR_link
           __NR_link,
#endif
#ifdef __NR_symlink
           __NR_symlink,
#endif
#ifdef __NR_unlink
           __NR_unlink,
#endif
#ifdef __NR_mkdir
           __NR_mkdir,
#endif
#ifdef __NR_rmdir
           __NR_rmdir,
#endif
#ifdef __NR_mknod
           __NR_mknod,
#endif
#ifdef __NR_chmod
           __NR_chmod,
#endif
#ifdef __NR_chown
           __NR_chown,
#endif
#ifdef __NR_lchown
           __NR_lchown,
#endif
#ifdef __NR_utime
           __NR_utime,
#endif
#ifdef __NR_utimes
           __NR_utimes,
#endif
#ifdef __NR_futimesat
           __NR_futimesat,
#endif
#ifdef __NR_setrlimit
           __NR_setrlimit,
#endif
#ifdef __NR_renameat
           __NR_renameat,
#endif
#ifdef __NR_fchmodat2
           __NR_fchmodat2,
#endif
           __NR_renameat2, __NR_linkat, __NR_symlinkat, __NR_unlinkat, __NR_mkdirat, __NR_mknodat, __NR_truncate,
           __NR_ftruncate, __NR_fallocate, __NR_fchmod, __NR_fchmodat, __NR_fchown, __NR_fchownat, __NR_utimensat,
           __NR_setxattr, __NR_lsetxattr, __NR_fsetxattr, __NR_removexattr, __NR_lremovexattr, __NR_fremovexattr,
           __NR_mount, __NR_umount2, __NR_pivot_root, __NR_chroot, __NR_ptrace, __NR_process_vm_writev,
           __NR_name_to_handle_at, __NR_fsopen, __NR_fsmount, __NR_move_mount, __NR_open_tree})
    f.deny(nr, EPERM);
  f.stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  return f.code;
}

// Allocates nothing, so a child forked from a threaded process may call it.
// nullptr when the guard is on, else the step that failed (errno says why).
const char* apply_guard(const std::vector<sock_filter>& code) {
  const rlimit no_core{0, 0};
  if (setrlimit(RLIMIT_CORE, &no_core) != 0) return "cannot turn core dumps off";
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return "prctl(PR_SET_NO_NEW_PRIVS)";
  sock_fprog prog{static_cast<unsigned short>(code.size()), const_cast<sock_filter*>(code.data())};
  // Every thread, those already running included.
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0)
    return "the kernel refused the seccomp filter";
  return nullptr;
}

}  // namespace

std::string install_worker_guard() {
  if (const char* step = apply_guard(guard_filter())) return fmt::format("{}: {}", step, strerror(errno));
  return "";
}
#else
namespace {
std::vector<int> guard_filter() { return {}; }
const char* apply_guard(const std::vector<int>&) {
  const rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  errno = ENOSYS;
  return "no seccomp filter for this architecture";
}
}  // namespace
std::string install_worker_guard() { return fmt::format("{}: {}", apply_guard({}), strerror(ENOSYS)); }
#endif

// ---- the worker's last words --------------------------------------------

namespace {

int g_report_fd = -1;

// Async-signal-safe: decimal digits of v into p; returns the end.
char* put_u64(char* p, uint64_t v) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) *p++ = tmp[--n];
  return p;
}

char* put(char* p, const char* s) {
  while (*s) *p++ = *s++;
  return p;
}

extern "C" void on_fatal_signal(int sig) {
  uint64_t vm = 0;
  const int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    char buf[64];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i) vm = vm * 10 + static_cast<uint64_t>(buf[i] - '0');
    ::close(fd);
    vm *= static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  }
  rlimit as{};
  getrlimit(RLIMIT_AS, &as);
  char line[160];
  char* p = put(line, "{\"died\":{\"signal\":");
  p = put_u64(p, static_cast<uint64_t>(sig));
  p = put(p, ",\"vm_bytes\":");
  p = put_u64(p, vm);
  p = put(p, ",\"as_limit\":");
  p = as.rlim_cur == RLIM_INFINITY ? put(p, "null") : put_u64(p, as.rlim_cur);
  p = put(p, "}}\n");
  if (::write(g_report_fd, line, static_cast<std::size_t>(p - line)) < 0) {
  }
  // SA_RESETHAND restored the default action: die of the same signal.
  raise(sig);
}

}  // namespace

void report_fatal_signals(int fd) {
  g_report_fd = fd;
  static char alt[64 * 1024];  // a kernel that overflowed the main thread's stack still gets a report
  stack_t ss{};
  ss.ss_sp = alt;
  ss.ss_size = sizeof alt;
  sigaltstack(&ss, nullptr);
  struct sigaction sa {};
  sa.sa_handler = on_fatal_signal;
  sa.sa_flags = SA_RESETHAND | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL}) sigaction(sig, &sa, nullptr);
}

int count_open_files(int* limit) {
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  const int n = static_cast<int>(std::min<rlim_t>(rl.rlim_cur, 1 << 16));
  if (limit) *limit = n;
  int open = 0;
  for (int fd = 0; fd < n; ++fd) open += fcntl(fd, F_GETFD) != -1;
  return open;
}

// ---- the coordinator's side ---------------------------------------------

uint64_t process_vm_bytes(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/statm", pid));
  uint64_t pages = 0;
  in >> pages;
  return pages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

double process_cpu_s(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = all.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(all.substr(close + 2));
  std::string f;
  double utime = 0, stime = 0;
  // After the name: state is field 3; utime and stime are fields 14 and 15.
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::stod(f);
    if (i == 15) stime = std::stod(f);
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::string set_soft_limit(pid_t pid, int resource, uint64_t value) {
  rlimit old{};
  if (prlimit(pid, static_cast<__rlimit_resource>(resource), nullptr, &old) != 0) return strerror(errno);
  rlimit rl{std::min<rlim_t>(value, old.rlim_max), old.rlim_max};
  if (prlimit(pid, static_cast<__rlimit_resource>(resource), &rl, nullptr) != 0) return strerror(errno);
  return "";
}

std::string probe_worker_guard(const std::filesystem::path& dir) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return "pipe failed";
  const std::string target = (dir / fmt::format("foundry-guard-probe-{}", getpid())).string();
  const auto code = guard_filter();  // built before the fork: the child allocates nothing
  const pid_t pid = fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    const char* step = apply_guard(code);
    int err = errno;
    if (!step && ::open(target.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644) >= 0) {
      step = "the filter is on but a probe could still create a file";
      err = 0;
    }
    // "step\nerrno" or nothing.
    char msg[256];
    char* p = msg;
    if (step) p = put_u64(put(put(p, step), "\n"), static_cast<uint64_t>(err));
    if (::write(fds[1], msg, static_cast<std::size_t>(p - msg)) < 0) {
    }
    _exit(0);
  }
  close(fds[1]);
  std::string out;
  char buf[512];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  std::error_code ec;
  std::filesystem::remove(target, ec);
  if (!WIFEXITED(st)) return "the probe died";
  if (out.empty()) return "";
  const auto nl = out.find('\n');
  const int err = std::stoi(out.substr(nl + 1));
  return err ? fmt::format("{}: {}", out.substr(0, nl), strerror(err)) : out.substr(0, nl);
}

std::string guard_line(const WorkerLimits& l) {
  const std::string limits = fmt::format(
      "limits per candidate: CPU {} per phase, address space {}, {} open files; no core dumps",
      l.cpu_s > 0 ? fmt::format("{:g} s", l.cpu_s) : "the phase timeout x cores",
      l.memory_mib > 0 ? fmt::format("{:g} MiB", l.memory_mib) : "from the case's size", l.open_files > 0 ? l.open_files : 256);
  if (!l.guard) return "worker guard: off (--no-worker-guard): kernels may write files and use any resources\n";
  const std::string why = probe_worker_guard(std::filesystem::temp_directory_path());
  if (!why.empty())
    return fmt::format("worker guard: NOT active ({}): kernels may write files and lift their limits; {}\n", why, limits);
  return fmt::format("worker guard: on: kernels cannot write files nor raise their limits (seccomp); {}\n", limits);
}

}  // namespace foundry
