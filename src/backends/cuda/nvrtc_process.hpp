// NVRTC in helper processes. Compiles on threads of one process contend
// inside NVRTC: on a 16-core host, 16 threads took 0.90 s per compile where 16
// processes took 0.41 s (the same source). A run's compile threads therefore
// each hand their program to a child `foundry nvrtc-worker`, spawned on first
// need and kept for the run; a child that dies (an NVRTC crash) is reported
// as that compile's failure and replaced on the next compile.
#pragma once
#include <sys/types.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace foundry {

// What one NVRTC compile gives back.
struct NvrtcOutput {
  int rc = -1;            // nvrtcResult; -1: the compile did not complete (a dead helper)
  std::string error;      // nvrtcGetErrorString(rc), or why it did not complete
  std::string log;        // the program log (ptxas report included)
  std::string cubin;      // empty unless rc == 0
};

// One NVRTC compile in this process.
NvrtcOutput nvrtc_compile(const std::string& source, const std::vector<std::string>& options);

// `foundry nvrtc-worker`: serves compile requests on stdin/stdout until EOF.
int nvrtc_worker_main();

// Helper processes of one executable, used by many threads at once.
class NvrtcProcesses {
 public:
  explicit NvrtcProcesses(std::string exe) : exe_(std::move(exe)) {}
  ~NvrtcProcesses();
  NvrtcProcesses(const NvrtcProcesses&) = delete;
  NvrtcProcesses& operator=(const NvrtcProcesses&) = delete;

  // Compiles in an idle helper (a new one if none is idle).
  NvrtcOutput compile(const std::string& source, const std::vector<std::string>& options);
  // Helpers started so far (for tests).
  int started() const;

 private:
  struct Child {
    pid_t pid = -1;
    int to = -1, from = -1;
  };
  std::unique_ptr<Child> take();
  void give_back(std::unique_ptr<Child> c);
  static void end(Child& c);

  std::string exe_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Child>> idle_;
  int started_ = 0;
};

}  // namespace foundry
