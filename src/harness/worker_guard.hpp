// Limits and a filesystem guard for worker processes that run kernels on the
// host (backends whose row says guard_workers: the cpu). A kernel is code a
// model wrote; it runs inside a worker, never in the coordinator.
//
// - Resource limits, set by the coordinator on the worker (prlimit) before
//   each candidate and at each of its phases, as soft limits: address space
//   (the worker's size when the request is sent plus the candidate's
//   allowance, which holds the case's inputs and references), CPU seconds per
//   phase over all threads, open files. Core dumps are off for good.
// - A seccomp filter, installed by the worker before it loads any kernel:
//   every open for writing, every call that creates, removes, renames,
//   truncates or re-owns a file, and every call that would raise a limit fail
//   with EACCES or EPERM. A worker writes nothing on the filesystem, so
//   nothing outside the session or the compile cache, nor inside them (the
//   coordinator is the session's only writer). Kernels keep stdout/stderr.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "harness/eval_channel.hpp"

namespace foundry {

// What one candidate in a guarded worker may use.
struct GuardLimits {
  double cpu_s = 0;            // CPU seconds (all threads) per check or bench phase
  double prepare_cpu_s = 0;    // CPU seconds for the prepare phase (inputs and references; no kernel runs)
  uint64_t memory_bytes = 0;   // address space the request may add to the worker's
  uint64_t open_files = 0;     // RLIMIT_NOFILE
};

// The overrides of `limits` where given, else defaults from the case's size:
// memory 1 GiB + 256 MiB per core (thread stacks, malloc arenas) + (8 + 8 x
// tests) x the case's buffers + 4 x the last-level cache (the flush); CPU the phase's wall-clock limit times the cores, plus 1
// s (so a spinning kernel meets the wall-clock deadline first unless it forks
// or is given less); 256 open files.
GuardLimits guard_limits_for(const EvalRequest& req, const WorkerLimits& limits);

// Worker side: core dumps off, no new privileges, the seccomp filter on every
// thread. "" when the guard is on, else why it is not (the worker then runs
// unguarded and the run says so).
std::string install_worker_guard();

// Worker side: a fatal signal (SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL)
// writes one line {"died": {"signal", "vm_bytes", "as_limit"}} on `fd` before
// the worker dies of it, so the coordinator can tell an address-space limit
// from another fault.
void report_fatal_signals(int fd);

// Worker side: descriptors open below the soft RLIMIT_NOFILE, and that limit.
int count_open_files(int* limit = nullptr);

// Coordinator side, on a running worker: its address space and CPU seconds
// so far (from /proc), and a soft limit set on it (prlimit, capped at the
// hard limit; "" or why it failed).
uint64_t process_vm_bytes(pid_t pid);
double process_cpu_s(pid_t pid);
std::string set_soft_limit(pid_t pid, int resource, uint64_t value);

// Whether the guard works here: a child installs it and tries to create a
// file in `dir`. "" when the write was refused, else why the guard is off.
std::string probe_worker_guard(const std::filesystem::path& dir);

// The line a run prints before its first guarded worker starts: the guard on
// and what it limits, or off and why (probed here, never assumed).
std::string guard_line(const WorkerLimits& limits);

}  // namespace foundry
