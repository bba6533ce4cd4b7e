#include "harness/evaluate.hpp"

#include <unistd.h>

#include <chrono>
#include <exception>
#include <thread>

#include <stdexcept>

#include <fmt/format.h>

#include "backends/backend_table.hpp"
#include "ops/registry.hpp"

namespace foundry {

using nlohmann::json;

json to_json(const EvalRequest& r) {
  return {{"op", r.op},
          {"dtype", to_string(r.dtype)},
          {"shape", r.shape},
          {"params", r.params},
          {"seed", r.seed},
          {"artifact", r.artifact},
          {"grid", r.grid},
          {"threads", r.threads},
          {"smem", r.smem},
          {"n_tests", r.n_tests},
          {"checker", r.checker},
          {"host_checks", r.host_checks},
          {"bench",
           {{"warmup", r.bench.warmup},
            {"min_repeats", r.bench.min_repeats},
            {"max_repeats", r.bench.max_repeats},
            {"target_rse", r.bench.target_rse},
            {"max_seconds", r.bench.max_seconds},
            {"flush_cache", r.bench.flush_cache}}}};
}

EvalRequest eval_request_from_json(const json& j) {
  EvalRequest r;
  r.op = j.at("op").get<std::string>();
  r.dtype = parse_dtype(j.at("dtype").get<std::string>()).value();
  r.shape = j.at("shape").get<Shape>();
  r.params = j.at("params").get<Params>();
  r.seed = j.at("seed").get<uint64_t>();
  r.artifact = j.at("artifact").get<std::string>();
  r.grid = j.at("grid").get<int64_t>();
  r.threads = j.at("threads").get<int>();
  r.smem = j.value("smem", int64_t{0});
  r.n_tests = j.at("n_tests").get<int>();
  r.checker = j.value("checker", "");
  r.host_checks = j.value("host_checks", false);
  const auto& b = j.at("bench");
  r.bench.warmup = b.at("warmup");
  r.bench.min_repeats = b.at("min_repeats");
  r.bench.max_repeats = b.at("max_repeats");
  r.bench.target_rse = b.at("target_rse");
  r.bench.max_seconds = b.at("max_seconds");
  r.bench.flush_cache = b.at("flush_cache");
  return r;
}

json to_json(const EvalResult& r) {
  json j{{"status", to_string(r.status)},
         {"restart", r.restart},
         {"error", r.error},
         {"n_tests", r.n_tests},
         {"ms", {{"prepare", r.prepare_ms}, {"check", r.check_ms}, {"bench", r.bench_ms},
                 {"transfer", r.transfer_ms}, {"compare", r.compare_ms}}},
         {"check",
          {{"status", to_string(r.check.status)},
           {"max_abs_err", r.check.max_abs_err},
           {"max_rel_err", r.check.max_rel_err},
           {"max_ulp", r.check.max_ulp},
           {"mismatches", r.check.mismatches},
           {"detail", r.check.detail}}}};
  if (r.latency_us)
    j["latency_us"] = {{"p50", r.latency_us->p50}, {"p90", r.latency_us->p90}, {"min", r.latency_us->min},
                       {"mean", r.latency_us->mean}, {"stdev", r.latency_us->stdev}, {"n", r.latency_us->n}};
  return j;
}

EvalResult eval_result_from_json(const json& j) {
  EvalResult r;
  r.status = parse_status(j.at("status").get<std::string>()).value_or(Status::harness_error);
  r.error = j.value("error", "");
  r.n_tests = j.value("n_tests", 0);
  r.restart = j.value("restart", false);
  if (j.contains("ms")) {
    r.prepare_ms = j["ms"].value("prepare", 0.0);
    r.check_ms = j["ms"].value("check", 0.0);
    r.bench_ms = j["ms"].value("bench", 0.0);
    r.transfer_ms = j["ms"].value("transfer", 0.0);
    r.compare_ms = j["ms"].value("compare", 0.0);
  }
  const auto& c = j.at("check");
  r.check.status = parse_status(c.at("status").get<std::string>()).value_or(Status::harness_error);
  r.check.max_abs_err = c.at("max_abs_err");
  r.check.max_rel_err = c.at("max_rel_err");
  r.check.max_ulp = c.at("max_ulp");
  r.check.mismatches = c.at("mismatches");
  r.check.detail = c.at("detail");
  if (j.contains("latency_us")) {
    const auto& l = j["latency_us"];
    r.latency_us = LatencyStats{l.at("p50"), l.at("p90"), l.at("min"), l.at("mean"), l.at("stdev"), l.at("n")};
  }
  return r;
}

uint64_t test_seed(uint64_t base, int t) {
  // splitmix64 finaliser over (base, t)
  uint64_t z = base + 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(t + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

struct Evaluator::CaseData {
  const OpContract* op = nullptr;
  std::vector<Case> cases;                                // one per test
  std::vector<std::vector<HostBuffer>> pristine;          // generated inputs per test
  std::vector<std::vector<std::vector<double>>> refs;     // reference per test
  std::vector<std::vector<Tolerance>> tols;               // per test, per written buffer (scaled; in-place checks only)
  std::vector<HostBuffer> work;                           // what the kernel reads and writes
};

Evaluator::Evaluator(std::function<void(const std::string&)> phase, const std::string& backend)
    : phase_(std::move(phase)), exec_(backend_row(backend).make_executor()) {}

Evaluator::~Evaluator() = default;

Evaluator::CaseData& Evaluator::case_data(const EvalRequest& req) {
  // Candidates sharing (op, dtype, shape, params, seed, tests) share inputs and reference.
  json key = to_json(req);
  for (const char* k : {"artifact", "grid", "threads", "smem", "bench", "checker", "host_checks"}) key.erase(k);
  std::string k = key.dump();
  if (case_ && k == case_key_) return *case_;
  case_.reset();
  exec_->new_case();
  auto d = std::make_unique<CaseData>();
  d->op = &Registry::instance().get(req.op);
  const OpContract& op = *d->op;
  const auto n = static_cast<std::size_t>(req.n_tests);
  d->cases.resize(n);
  d->pristine.resize(n);
  d->refs.resize(n);
  d->tols.resize(n);
  // Tests are independent: their inputs and float64 references are built side
  // by side (at GPU prefill sizes each takes seconds on one core).
  auto build = [&](std::size_t t) {
    Case c{req.op, req.dtype, req.shape, req.params, test_seed(req.seed, static_cast<int>(t)), static_cast<int>(t)};
    auto bufs = op.allocate(c);
    op.generate(c, bufs);
    d->refs[t] = op.reference(c, bufs);
    d->pristine[t] = std::move(bufs);
    d->cases[t] = std::move(c);
  };
  std::vector<std::exception_ptr> errors(n);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < n; ++t)
    threads.emplace_back([&, t] {
      try {
        build(t);
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
  for (auto& th : threads) th.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  d->work = op.allocate(d->cases.at(0));
  case_ = std::move(d);
  case_key_ = k;
  return *case_;
}

namespace {
// What the executor loads for a request.
LoadSpec load_spec(const EvalRequest& r) { return {r.artifact, r.grid, r.threads, r.smem, r.checker, r.host_checks}; }

void merge(CheckResult& into, const CheckResult& r) {
  into.max_abs_err = std::max(into.max_abs_err, r.max_abs_err);
  into.max_rel_err = std::max(into.max_rel_err, r.max_rel_err);
  into.max_ulp = std::max(into.max_ulp, r.max_ulp);
  into.mismatches += r.mismatches;
  if (into.status == Status::ok && r.status != Status::ok) {
    into.status = r.status;
    into.detail = r.detail;
  }
}

double ms_between(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}
}  // namespace

ExecError Evaluator::check(int i, CheckResult& out, EvalResult& res) {
  CaseData& d = *case_;
  const OpContract& op = *d.op;
  const auto t0 = std::chrono::steady_clock::now();
  ExecError err;
  bool done = false;
  if (op.elementwise_check() && exec_->checks_in_place()) {
    if (d.tols[i].empty()) {  // the bounds, once per test: an RMS pass over each reference
      std::size_t k = 0;
      for (std::size_t b = 0; b < op.buffers.size(); ++b)
        if (op.buffers[b].role != Role::in)
          d.tols[i].push_back(scaled_tolerance(op.tolerance(d.cases[i].dtype, op.buffers[b]),
                                               op.buffers[b].elem(d.cases[i].dtype), d.refs[i].at(k++)));
    }
    done = exec_->check_in_place(op, d.cases[i], d.refs[i], d.tols[i], out, err);
  }
  if (!done && !err) {
    err = exec_->fetch(op, d.work);
    if (!err) {
      // Inputs from the test's pristine set: a backend copies back only what the kernel writes.
      std::vector<const HostBuffer*> view;
      for (std::size_t b = 0; b < op.buffers.size(); ++b)
        view.push_back(op.buffers[b].role == Role::in ? &d.pristine[i][b] : &d.work[b]);
      out = op.compare(d.cases[i], BufferView(std::move(view)), d.refs[i]);
    }
  }
  res.compare_ms += ms_between(t0, std::chrono::steady_clock::now());
  res.transfer_ms = exec_->transfer_ms;
  return err;
}

EvalResult Evaluator::evaluate(const EvalRequest& req) {
  EvalResult res;
  exec_->transfer_ms = 0;
  auto finish = [&](ExecError e) {
    res.transfer_ms = exec_->transfer_ms;
    res.status = e.status;
    res.error = e.message;
    res.restart = exec_->poisoned();
    return res;
  };
  using clock = std::chrono::steady_clock;
  auto t = clock::now();
  CaseData& d = case_data(req);
  const OpContract& op = *d.op;
  res.prepare_ms = ms_between(t, clock::now());
  if (ExecError e = exec_->load(load_spec(req))) return finish(e);
  t = clock::now();

  if (phase_) phase_("check");
  for (int i = 0; i < req.n_tests; ++i) {
    CheckResult r;
    ExecError e = exec_->run(op, d.cases[i], d.pristine[i], d.work);
    if (!e) e = check(i, r, res);
    if (e) {
      res.check_ms = ms_between(t, clock::now());
      return finish(e);
    }
    ++res.n_tests;
    merge(res.check, r);
    if (r.status != Status::ok) {
      res.status = r.status;
      res.error = fmt::format("test {} (seed {}): {}", i, d.cases[i].seed, r.detail);
      res.check_ms = ms_between(t, clock::now());
      return res;
    }
  }

  res.check_ms = ms_between(t, clock::now());
  t = clock::now();
  if (phase_) phase_("bench");
  LatencyStats lat;
  if (ExecError e = exec_->time(op, d.cases[0], d.pristine[0], d.work, req.bench, lat)) {
    res.bench_ms = ms_between(t, clock::now());
    return finish(e);
  }
  res.latency_us = lat;

  // The timed runs must still produce the right answer.
  CheckResult after;
  ExecError e = check(0, after, res);
  res.bench_ms = ms_between(t, clock::now());
  if (e) return finish(e);
  if (after.status != Status::ok) {
    res.status = after.status;
    res.error = "after benchmarking: " + after.detail;
    res.latency_us.reset();
  }
  return res;
}

}  // namespace foundry
