// The evaluator's case building ahead of time (EvalRequest::next): a case
// built in the background checks and times like one built on request, and a
// hint that is never followed costs nothing but the work.
#include "harness/evaluate.hpp"

#include <gtest/gtest.h>

#include <string>

#include "backends/cpu/cpu_backend.hpp"
#include "cli_helpers.hpp"
#include "ops/registry.hpp"
#include "templates/template.hpp"

using namespace foundry;
using foundry_test::scratch_dir;

namespace {

// rmsnorm_rowloop built for the cpu, one row per block, and a request for it on a small case.
EvalRequest rowloop_request(uint64_t seed) {
  static const std::string artifact = [] {
    CpuBackend be("", scratch_dir("evaluate-cache"));
    const KernelTemplate t = load_template(default_template_root() / "rmsnorm" / "cpu" / "rmsnorm_rowloop.cpp");
    const Knobs knobs{{"ROWS_PER_BLOCK", 1}, {"UNROLL", 4}, {"THREADS", 1}, {"FAST_MATH", 0}};
    const BuildResult b = be.compile(be.assemble(Registry::instance().get("rmsnorm"), DType::f32, render(t, knobs)), {});
    EXPECT_TRUE(b.ok) << b.log;
    return b.artifact.string();
  }();
  EvalRequest r;
  r.op = "rmsnorm";
  r.dtype = DType::f32;
  r.shape = {{"rows", 48}, {"cols", 512}};
  r.params = {{"eps", 1e-6}};
  r.seed = seed;
  r.artifact = artifact;
  r.grid = 48;
  r.threads = 1;
  r.bench.warmup = 1;
  r.bench.min_repeats = 3;
  r.bench.max_repeats = 5;
  return r;
}

CaseHint hint_of(const EvalRequest& r) { return {r.op, r.dtype, r.shape, r.params, r.seed, r.n_tests}; }

}  // namespace

TEST(Evaluator, ACaseBuiltAheadChecksLikeOneBuiltOnRequest) {
  const EvalRequest b = rowloop_request(22);
  EvalRequest a = rowloop_request(11);
  a.next = hint_of(b);

  Evaluator ahead({}, "cpu");
  const EvalResult ra = ahead.evaluate(a);
  const EvalResult rb_ahead = ahead.evaluate(b);  // its case was built while `a` ran
  Evaluator plain({}, "cpu");
  const EvalResult rb = plain.evaluate(b);

  ASSERT_EQ(ra.status, Status::ok) << ra.error;
  ASSERT_EQ(rb.status, Status::ok) << rb.error;
  ASSERT_EQ(rb_ahead.status, Status::ok) << rb_ahead.error;
  EXPECT_EQ(rb_ahead.n_tests, rb.n_tests);
  // The same inputs and references: the same kernel makes the same errors against them.
  EXPECT_EQ(rb_ahead.check.max_abs_err, rb.check.max_abs_err);
  EXPECT_EQ(rb_ahead.check.max_rel_err, rb.check.max_rel_err);
  EXPECT_EQ(rb_ahead.check.mismatches, rb.check.mismatches);
  EXPECT_NE(ra.check.max_abs_err, rb.check.max_abs_err);  // and other seeds give other inputs
  ASSERT_TRUE(rb_ahead.latency_us.has_value());
}

TEST(Evaluator, AHintNotFollowedIsDroppedAndABadOneDoesNotFailTheRequestAfter) {
  EvalRequest a = rowloop_request(11);
  a.next = hint_of(rowloop_request(33));  // never asked for
  EvalRequest b = rowloop_request(22);
  b.next = hint_of(rowloop_request(44));
  b.next.op = "no_such_op";  // its build fails in the background
  EvalRequest c = rowloop_request(55);

  Evaluator ev({}, "cpu");
  for (const EvalRequest* r : {&a, &b, &c}) {
    const EvalResult res = ev.evaluate(*r);
    EXPECT_EQ(res.status, Status::ok) << "seed " << r->seed << ": " << res.error;
  }
}

TEST(Evaluator, APrepareOnlyRequestBuildsTheCaseAndRunsNothing) {
  EvalRequest prep = rowloop_request(11);
  prep.artifact.clear();  // nothing to load
  prep.prepare_only = true;
  Evaluator ev({}, "cpu");
  const EvalResult p = ev.evaluate(prep);
  EXPECT_EQ(p.status, Status::ok) << p.error;
  EXPECT_EQ(p.n_tests, 0);
  EXPECT_FALSE(p.latency_us.has_value());
  const EvalResult r = ev.evaluate(rowloop_request(11));
  EXPECT_EQ(r.status, Status::ok) << r.error;
  EXPECT_EQ(r.n_tests, 3);
}
