#include "harness/sanitizer_run.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "harness/worker_process.hpp"

namespace foundry {

namespace fs = std::filesystem;

std::string find_compute_sanitizer() {
  std::vector<fs::path> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::stringstream ss(path);
    for (std::string d; std::getline(ss, d, ':');)
      if (!d.empty()) dirs.emplace_back(d);
  }
  if (const char* home = std::getenv("CUDA_HOME")) dirs.emplace_back(fs::path(home) / "bin");
  dirs.emplace_back("/usr/local/cuda/bin");
  for (const auto& d : dirs) {
    const fs::path p = d / "compute-sanitizer";
    if (::access(p.c_str(), X_OK) == 0) return p.string();
  }
  return "";
}

int sanitizer_error_count(const std::string& log) {
  std::smatch m;
  if (std::regex_search(log, m, std::regex(R"(ERROR SUMMARY: (\d+) error)"))) return std::stoi(m[1]);
  if (std::regex_search(log, m, std::regex(R"(SUMMARY: \d+ hazards? displayed \((\d+) errors?)"))) return std::stoi(m[1]);
  return -1;
}

SanitizerOutcome run_sanitized(const std::string& sanitizer, const std::string& tool, const std::string& exe,
                               const std::string& backend, int gpu, EvalRequest req, const WorkerLimits& limits) {
  static int serial = 0;
  const fs::path log = fs::temp_directory_path() / fmt::format("foundry-{}-{}-{}.log", tool, getpid(), serial++);
  SanitizerOutcome out;
  {
    WorkerProcess worker(exe, backend, gpu,
                         {sanitizer, "--tool", tool, "--log-file", log.string(), "--print-limit", "8"});
    // Instrumented kernels run tens of times slower.
    WorkerLimits slow = limits;
    slow.phase_s *= 20;
    req.check_only = true;
    const EvalResult r = worker.evaluate(req, slow);
    out.status = r.status;
    if (r.status != Status::ok) out.report = r.error;
    worker.finish(slow.phase_s);
  }
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::error_code ec;
  fs::remove(log, ec);
  out.errors = sanitizer_error_count(text);
  if (out.errors < 0) {
    out.report = fmt::format("{} gave no summary{}", tool, out.report.empty() ? "" : ": " + out.report);
  } else if (out.errors > 0) {
    // The first reports, without the tool's "=========" margins.
    std::string first;
    std::stringstream ss(text);
    for (std::string line; std::getline(ss, line) && first.size() < 1500;) {
      if (line.rfind("========= ", 0) == 0) line = line.substr(10);
      if (line.find("SUMMARY") != std::string::npos || line.find("COMPUTE-SANITIZER") != std::string::npos) continue;
      if (!line.empty()) first += line + "\n";
    }
    out.report = first;
  }
  return out;
}

}  // namespace foundry
