// FOUNDRY_MEASURE=1: how long case preparation (seeded inputs and float64
// references) takes at the cuda backend's prefill shapes, where it bounds
// the evaluation rate. Skipped otherwise: it allocates gigabytes.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "backends/cuda/cuda_backend.hpp"
#include "harness/evaluate.hpp"
#include "ops/registry.hpp"

namespace foundry {
namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// The first value of each parameter's domain.
Params first_params(const OpContract& op) {
  Params p;
  for (const auto& s : op.params) p[s.name] = s.domain.at(0);
  return p;
}

}  // namespace

// Per op and dtype: generate and reference of test 0 alone, then a whole
// case (3 tests side by side) as a worker prepares it, through
// Evaluator::evaluate with no kernel (its load fails after preparation).
// The case is prepared twice in one evaluator, as the confirm pass does
// with fresh seeds, so the second time includes freeing the first.
// FOUNDRY_MEASURE_ONLY=op limits it to one op; FOUNDRY_MEASURE_ROWS=n sets
// the rows (tokens) to n instead of 16384, for a quicker run on few cores.
TEST(PrepareMeasure, GpuPrefillCases) {
  if (!std::getenv("FOUNDRY_MEASURE")) GTEST_SKIP() << "set FOUNDRY_MEASURE=1 to measure";
  const char* only = std::getenv("FOUNDRY_MEASURE_ONLY");
  std::printf("%-10s %-5s %-28s %9s %9s %9s %9s\n", "op", "dtype", "shape", "gen ms", "ref ms", "case ms", "again ms");
  for (const char* name : {"rmsnorm", "layernorm", "softmax", "swiglu", "geglu", "rope", "dropout"}) {
    if (only && std::string(only) != name) continue;
    const OpContract& op = Registry::instance().get(name);
    Shape shape = gpu_prefill(op.shapes(Regime::prefill).at(0));
    if (const char* rows = std::getenv("FOUNDRY_MEASURE_ROWS"))
      for (const char* sym : {"rows", "tokens"})
        if (shape.count(sym)) shape[sym] = std::stoll(rows);
    std::string shape_text;
    for (const auto& [k, v] : shape) shape_text += (shape_text.empty() ? "" : ",") + k + "=" + std::to_string(v);
    for (DType dt : {DType::f32, DType::bf16}) {
      double gen_ms = 0, ref_ms = 0;
      {
        const Case c{name, dt, shape, first_params(op), test_seed(1, 0), 0};
        auto bufs = op.allocate(c);
        auto t0 = std::chrono::steady_clock::now();
        op.generate(c, bufs);
        gen_ms = ms_since(t0);
        t0 = std::chrono::steady_clock::now();
        auto ref = op.reference(c, bufs);
        ref_ms = ms_since(t0);
      }
      Evaluator ev({}, "cpu");
      EvalRequest req;
      req.op = name;
      req.dtype = dt;
      req.shape = shape;
      req.params = first_params(op);
      double case_ms[2] = {0, 0};
      for (int k = 0; k < 2; ++k) {
        req.seed = 100 + static_cast<uint64_t>(k);
        const EvalResult r = ev.evaluate(req);
        ASSERT_NE(r.status, Status::ok) << "no artifact: the load must fail";
        case_ms[k] = r.prepare_ms;
      }
      std::printf("%-10s %-5s %-28s %9.0f %9.0f %9.0f %9.0f\n", name, to_string(dt).c_str(), shape_text.c_str(), gen_ms,
                  ref_ms, case_ms[0], case_ms[1]);
      std::fflush(stdout);
    }
  }
}

}  // namespace foundry
