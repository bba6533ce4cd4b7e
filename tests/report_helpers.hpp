// Sessions for the report and export tests: real ones, recorded by the real
// binary on the cpu, and records made by hand for the unit tests.
#pragma once
#include <gtest/gtest.h>

#include <unistd.h>

#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli_helpers.hpp"
#include "run/record.hpp"

namespace foundry_test {

// A cpu session recorded by `foundry run` (rmsnorm and softmax, f32, decode
// shapes, 4 variants per op), once per test process in a directory of its
// own; `output` is what the run printed.
struct RealSession {
  fs::path dir;
  std::string output;
};

inline RealSession record_session(const std::string& name, const std::vector<std::string>& run_args) {
  const fs::path dir = fs::path(::testing::TempDir()) / "foundry-report" / (name + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  std::vector<std::string> args{"run", "--session-dir", dir.string(), "--dtypes", "f32"};
  args.insert(args.end(), run_args.begin(), run_args.end());
  for (const auto& f : quick_flags())
    if (f != "odd") args.push_back(f);  // decode shapes only: quick_flags names decode and odd
  const auto r = foundry_cmd(args);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return {dir, r.output};
}

inline const RealSession& real_session() {
  static const RealSession s = record_session("two-ops", {"--ops", "rmsnorm,softmax", "-n", "4"});
  return s;
}

// Overlaps real_session(): the same seed proposes the same first variants of rmsnorm's cases.
inline const RealSession& overlapping_session() {
  static const RealSession s = record_session("rmsnorm", {"--ops", "rmsnorm", "-n", "6"});
  return s;
}

// A record made by hand: one case (rmsnorm f32 rows=8 cols=4096 on a cpu).
inline foundry::Record hand_record(const std::string& id, const std::string& tmpl, foundry::Status status,
                                   std::optional<double> p50, std::optional<double> err = 0.5) {
  foundry::Record r;
  r.id = id;
  r.op = "rmsnorm";
  r.kernel_class = "A";
  r.backend = "cpu";
  r.dtype = foundry::DType::f32;
  r.regime = foundry::Regime::decode;
  r.shape = {{"rows", 8}, {"cols", 4096}};
  r.params = {{"eps", 1e-5}};
  r.template_id = tmpl;
  r.knobs = {{"UNROLL", 4}};
  r.status = status;
  r.env.device = "test cpu";
  r.env.copy_gbps = 20;
  r.correctness.max_ulp = err;
  r.correctness.max_rel_err = err ? std::optional<double>(*err * 1e-7) : std::nullopt;
  if (p50) {
    foundry::LatencyStats l;
    l.p50 = *p50;
    r.bench.latency_us = l;
    r.bench.bytes = 8 * 4096 * 8.0;
    r.bench.flops = 8 * 4096 * 4.0;
    r.bench.gbps = *r.bench.bytes / (*p50 * 1e3);
    r.bench.gflops = *r.bench.flops / (*p50 * 1e3);
    r.bench.pct_of_copy = 100 * *r.bench.gbps / 20;
  }
  return r;
}

}  // namespace foundry_test
