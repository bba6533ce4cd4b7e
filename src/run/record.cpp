#include "run/record.hpp"

#include <chrono>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace foundry {

using nlohmann::json;

std::string now_iso() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(now)), ms);
}

json make_record(const OpContract& op, const Candidate& c, const std::string& source_path, Status status,
                 const std::string& error, const std::optional<Launch>& launch, const BuildResult* build,
                 const EvalResult* eval, const RecordEnv& env) {
  json r;
  r["id"] = c.id;
  r["op"] = c.op;
  r["kernel_class"] = to_string(op.kernel_class);
  r["backend"] = c.backend;
  r["dtype"] = to_string(c.dtype);
  r["regime"] = to_string(c.regime);
  r["shape"] = c.shape;
  r["params"] = c.params;
  r["template_id"] = c.template_id;
  r["knobs"] = c.knobs;
  r["status"] = to_string(status);
  r["error"] = error.empty() ? json() : json(error);
  r["source_path"] = source_path;
  r["source_sha256"] = c.source_sha256;
  r["input_seed"] = c.input_seed;
  r["launch"] = launch ? json{{"grid", launch->grid}, {"threads", launch->threads}, {"smem", launch->smem}} : json();

  json b{{"ok", build ? json(build->ok) : json(false)},
         {"ms", build ? json(build->ms) : json()},
         {"cache_hit", build ? json(build->cache_hit) : json()},
         {"flags", build ? json(build->flags) : json()},
         {"log", build && !build->log.empty() ? json(build->log) : json()},
         {"registers", build && build->registers >= 0 ? json(build->registers) : json()},
         {"smem_bytes", build && build->smem_bytes >= 0 ? json(build->smem_bytes) : json()},
         {"spill_bytes", build && build->spill_bytes >= 0 ? json(build->spill_bytes) : json()},
         {"stack_bytes", build && build->stack_bytes >= 0 ? json(build->stack_bytes) : json()}};
  r["build"] = b;

  json corr{{"ok", false}, {"max_abs_err", nullptr}, {"max_rel_err", nullptr}, {"max_ulp", nullptr},
            {"mismatches", nullptr}, {"n_tests", 0}, {"detail", nullptr}};
  if (eval && eval->n_tests > 0) {
    corr["ok"] = eval->check.status == Status::ok && status == Status::ok;
    corr["max_abs_err"] = eval->check.max_abs_err;
    corr["max_rel_err"] = eval->check.max_rel_err;
    corr["max_ulp"] = eval->check.max_ulp;
    corr["mismatches"] = eval->check.mismatches;
    corr["n_tests"] = eval->n_tests;
    corr["detail"] = eval->check.detail.empty() ? json() : json(eval->check.detail);
  }
  r["correctness"] = corr;

  json bench{{"latency_us", nullptr}, {"n", nullptr}, {"bytes", nullptr}, {"flops", nullptr},
             {"gbps", nullptr}, {"gflops", nullptr}, {"pct_of_copy", nullptr}, {"timer", nullptr}};
  if (eval && eval->latency_us && status == Status::ok) {
    const auto& l = *eval->latency_us;
    Case cs{c.op, c.dtype, c.shape, c.params, c.input_seed, 0};
    Traffic t = op.traffic(cs);
    const double sec = l.p50 * 1e-6;
    bench["latency_us"] = {{"p50", l.p50}, {"p90", l.p90}, {"min", l.min}, {"mean", l.mean}, {"stdev", l.stdev}};
    bench["n"] = l.n;
    bench["bytes"] = t.bytes;
    bench["flops"] = t.flops;
    bench["gbps"] = t.bytes / sec / 1e9;
    bench["gflops"] = t.flops / sec / 1e9;
    if (env.copy_gbps > 0) bench["pct_of_copy"] = 100.0 * t.bytes / sec / 1e9 / env.copy_gbps;
    bench["timer"] = env.timer;
  }
  r["bench"] = bench;
  r["harness_ms"] = eval ? json{{"prepare", eval->prepare_ms}, {"check", eval->check_ms}, {"bench", eval->bench_ms},
                                {"transfer", eval->transfer_ms}, {"compare", eval->compare_ms}}
                         : json();
  r["env"] = {{"foundry_version", FOUNDRY_VERSION}, {"device", env.device}, {"compiler", env.compiler},
              {"copy_gbps", env.copy_gbps}, {"run_seed", env.run_seed}};
  r["ts"] = now_iso();
  return r;
}

}  // namespace foundry
