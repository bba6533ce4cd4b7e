// A backend and an evaluation channel with scripted results, so the
// coordinator and the strategy seam are tested in-process with no compiler,
// no GPU and no worker process. A template's body scripts what happens to its
// variants through markers in the rendered source:
//   FAKE_LATENCY(n)        ok, timed at n microseconds
//   FAKE_STATUS(s)         the evaluation answers status s (mismatch, timeout, ...)
//   FAKE_COMPILE_ERROR     compile_error (so does an #error directive)
//   FAKE_THROW_COMPILE     the backend's compile throws
//   FAKE_THROW_EVAL        the channel throws
//   FAKE_FRESH_SEEDS(s)    checks alone (the confirm pass, on fresh seeds) answer status s
#pragma once
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "backends/backend.hpp"
#include "core/hash.hpp"
#include "harness/eval_channel.hpp"
#include "run/coordinator.hpp"

namespace foundry_test {

using namespace foundry;

// Sources by artifact, shared by the backend (which "builds") and the channel (which "runs").
struct FakeBuilds {
  std::mutex mu;
  std::map<std::string, std::string> source_of;
  std::atomic<int> compiles{0};
  std::atomic<int> evaluations{0};
  std::vector<uint64_t> check_only_seeds;  // seeds of the requests for checks alone (under mu)
  // Called before each evaluation with its number (from 1): a test's hook to die mid-run.
  std::function<void(int)> before_evaluation;
  // Whether the backend says it overlaps compiling with evaluating (cuda does:
  // requests then carry the next case, and a round's first case is prepared alone).
  bool overlaps = false;
  std::vector<EvalRequest> requests;  // every request, in the order received (under mu)
};

class FakeBackend final : public Backend {
 public:
  explicit FakeBackend(std::shared_ptr<FakeBuilds> builds) : builds_(std::move(builds)) {}
  std::string name() const override { return "fake"; }
  std::string source_extension() const override { return "txt"; }
  std::string compiler_identity() const override { return "fake-cc 1.0"; }
  std::string device_name() const override { return "fake device"; }
  std::string assemble(const OpContract& op, DType dtype, const std::string& body,
                       Entry entry = Entry::every_block) const override {
    return "// " + op.name + " " + to_string(dtype) + "\n" + body + (entry == Entry::skip_last_block ? "\nFAKE_STATUS(unwritten)" : "");
  }
  BuildResult compile(const std::string& source, const std::vector<std::string>& flags) const override {
    ++builds_->compiles;
    if (source.find("FAKE_THROW_COMPILE") != std::string::npos) throw std::runtime_error("scripted: the compiler exploded");
    BuildResult b;
    b.flags = flags;
    b.ms = 1;
    if (source.find("FAKE_COMPILE_ERROR") != std::string::npos || source.find("#error") != std::string::npos) {
      b.status = Status::compile_error;
      b.log = "scripted compile error";
      return b;
    }
    b.ok = true;
    b.artifact = "fake/" + sha256_hex(source);
    std::lock_guard lk(builds_->mu);
    builds_->source_of[b.artifact.string()] = source;
    return b;
  }
  Launch effective_launch(Launch l) const override { return l; }
  std::string launch_limit(const Launch&, const BuildResult&) const override { return ""; }
  Shape problem_shape(Regime, Shape s) const override { return s; }
  bool overlaps_compile() const override { return builds_->overlaps; }
  std::vector<int> worker_devices(int asked, bool) const override { return std::vector<int>(asked, -1); }
  void require_runnable(bool) const override {}
  std::string checker_artifact() const override { return ""; }
  std::vector<std::string> render_flags() const override { return {}; }

 private:
  std::shared_ptr<FakeBuilds> builds_;
};

class FakeChannel final : public EvalChannel {
 public:
  explicit FakeChannel(std::shared_ptr<FakeBuilds> builds) : builds_(std::move(builds)) {}
  EvalResult evaluate(const EvalRequest& req, const WorkerLimits&) override {
    {
      std::lock_guard lk(builds_->mu);
      builds_->requests.push_back(req);
    }
    if (req.prepare_only) return {};  // nothing loaded, nothing run
    const int n = ++builds_->evaluations;
    if (builds_->before_evaluation) builds_->before_evaluation(n);
    std::string src;
    {
      std::lock_guard lk(builds_->mu);
      src = builds_->source_of.at(req.artifact);
    }
    if (src.find("FAKE_THROW_EVAL") != std::string::npos) throw std::runtime_error("scripted: the channel broke");
    EvalResult r;
    r.n_tests = req.n_tests;
    std::smatch m;
    if (req.check_only) {
      {
        std::lock_guard lk(builds_->mu);
        builds_->check_only_seeds.push_back(req.seed);
      }
      // The repeat check (repeats > 1) and the fresh-seed check are scripted apart.
      const bool again = req.repeats > 1;
      if (std::regex_search(src, m, std::regex(again ? R"(FAKE_REPEATS\((\w+)\))" : R"(FAKE_FRESH_SEEDS\((\w+)\))"))) {
        r.status = parse_status(m[1]).value();
        r.error = (again ? "scripted on repeated runs: " : "scripted on fresh seeds: ") + std::string(m[1]);
      }
      return r;
    }
    if (std::regex_search(src, m, std::regex(R"(FAKE_STATUS\((\w+)\))"))) {
      r.status = parse_status(m[1]).value();
      r.check.status = r.status;
      r.error = "scripted " + std::string(m[1]);
      return r;
    }
    double us = 100;
    if (std::regex_search(src, m, std::regex(R"(FAKE_LATENCY\(([0-9.]+)\))"))) us = std::stod(m[1]);
    r.latency_us = LatencyStats{us, us, us, us, 0, 10};
    return r;
  }

 private:
  std::shared_ptr<FakeBuilds> builds_;
};

inline RunServices fake_services(std::shared_ptr<FakeBuilds> builds) {
  RunServices s;
  s.backend = std::make_unique<FakeBackend>(builds);
  s.timer = "fake_clock";
  s.copy_gbps = [](const std::string&) { return 100.0; };
  s.make_channel = [builds](int) -> std::unique_ptr<EvalChannel> { return std::make_unique<FakeChannel>(builds); };
  return s;
}

}  // namespace foundry_test
