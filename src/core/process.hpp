// Running a child process and capturing its output, with a time limit.
#pragma once
#include <string>
#include <vector>

namespace foundry {

struct ProcessResult {
  int exit_code = -1;   // -1 when killed by a signal or timed out
  int signal = 0;
  bool timed_out = false;
  std::string output;   // stdout and stderr together
};

ProcessResult run_process(const std::vector<std::string>& argv, double timeout_s);

}  // namespace foundry
