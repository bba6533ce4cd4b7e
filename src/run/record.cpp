#include "run/record.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <stdexcept>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "core/json_get.hpp"
#include "run/case_schedule.hpp"

namespace foundry {

using nlohmann::json;

namespace {

template <class T>
json opt(const std::optional<T>& v) {
  return v ? json(*v) : json();
}

template <class T>
std::optional<T> opt_at(const json& j, const char* key) {
  const json& v = j.at(key);
  if (v.is_null()) return std::nullopt;
  return json_get<T>(v);
}

json latency_json(const LatencyStats& l) {
  return {{"p50", l.p50}, {"p90", l.p90}, {"min", l.min}, {"mean", l.mean}, {"stdev", l.stdev}};
}

template <class E>
E parse_enum(const json& j, const char* key, std::optional<E> (*parse)(const std::string&)) {
  const std::string s = j.at(key).get<std::string>();
  auto v = parse(s);
  if (!v) throw std::runtime_error(fmt::format("field {}: unknown value '{}'", key, s));
  return *v;
}

}  // namespace

std::string Record::case_key() const { return foundry::case_key(op, dtype, shape, params, input_seed); }

bool Record::trusted_ok() const {
  return status == Status::ok && !has_label(kSuspectLabel) && !has_label(kSanitizerLabel) &&
         !has_label(kUnconfirmedLabel) && !has_label(kNondeterministicLabel);
}

double Record::cost() const {
  if (trusted_ok() && bench.latency_us) return bench.latency_us->p50;
  return std::numeric_limits<double>::infinity();
}

bool Record::has_label(const std::string& label) const {
  return std::find(labels.begin(), labels.end(), label) != labels.end();
}

json to_json(const Record& r) {
  json j;
  j["schema"] = r.schema;
  j["id"] = r.id;
  j["op"] = r.op;
  j["kernel_class"] = r.kernel_class;
  j["backend"] = r.backend;
  j["dtype"] = to_string(r.dtype);
  j["regime"] = to_string(r.regime);
  j["shape"] = r.shape;
  j["params"] = r.params;
  j["template_id"] = r.template_id;
  j["knobs"] = r.knobs;
  j["status"] = to_string(r.status);
  j["error"] = opt(r.error);
  j["labels"] = r.labels;
  j["source_path"] = r.source_path;
  j["source_sha256"] = r.source_sha256;
  j["input_seed"] = r.input_seed;
  j["launch"] = r.launch ? json{{"grid", r.launch->grid}, {"threads", r.launch->threads}, {"smem", r.launch->smem}} : json();
  const auto& b = r.build;
  j["build"] = {{"ok", b.ok},
                {"ms", opt(b.ms)},
                {"cache_hit", opt(b.cache_hit)},
                {"flags", opt(b.flags)},
                {"log", opt(b.log)},
                {"registers", opt(b.registers)},
                {"smem_bytes", opt(b.smem_bytes)},
                {"spill_bytes", opt(b.spill_bytes)},
                {"stack_bytes", opt(b.stack_bytes)}};
  const auto& c = r.correctness;
  j["correctness"] = {{"ok", c.ok},
                      {"max_abs_err", opt(c.max_abs_err)},
                      {"max_rel_err", opt(c.max_rel_err)},
                      {"max_ulp", opt(c.max_ulp)},
                      {"mismatches", opt(c.mismatches)},
                      {"n_tests", c.n_tests},
                      {"detail", opt(c.detail)}};
  const auto& be = r.bench;
  j["bench"] = {{"latency_us", be.latency_us ? latency_json(*be.latency_us) : json()},
                {"n", be.latency_us ? json(be.latency_us->n) : json()},
                {"bytes", opt(be.bytes)},
                {"flops", opt(be.flops)},
                {"gbps", opt(be.gbps)},
                {"gflops", opt(be.gflops)},
                {"pct_of_copy", opt(be.pct_of_copy)},
                {"timer", opt(be.timer)}};
  j["harness_ms"] = r.harness_ms ? json{{"prepare", r.harness_ms->prepare}, {"check", r.harness_ms->check},
                                        {"bench", r.harness_ms->bench}, {"transfer", r.harness_ms->transfer},
                                        {"compare", r.harness_ms->compare}}
                                 : json();
  j["env"] = {{"foundry_version", r.env.foundry_version}, {"device", r.env.device}, {"compiler", r.env.compiler},
              {"copy_gbps", r.env.copy_gbps}, {"run_seed", r.env.run_seed}};
  j["strategy"] = {{"name", r.strategy.name}, {"seq", r.strategy.seq}};
  j["repro"] = {{"render", r.repro.render}, {"run", r.repro.run}};
  j["ts"] = r.ts;
  return j;
}

Record record_from_json(const json& j) {
  Record r;
  try {
    if (!j.is_object()) throw std::runtime_error("not a JSON object");
    if (!j.contains("schema"))
      throw std::runtime_error(fmt::format("no schema field: written by an older foundry (this one reads schema {})", kRecordSchema));
    r.schema = json_get<int>(j.at("schema"));
    if (r.schema != kRecordSchema)
      throw std::runtime_error(fmt::format("schema {}: written by {} foundry (this one reads schema {})", r.schema,
                                           r.schema > kRecordSchema ? "a newer" : "an older", kRecordSchema));
    r.id = j.at("id").get<std::string>();
    r.op = j.at("op").get<std::string>();
    r.kernel_class = j.at("kernel_class").get<std::string>();
    r.backend = j.at("backend").get<std::string>();
    r.dtype = parse_enum<DType>(j, "dtype", parse_dtype);
    r.regime = parse_enum<Regime>(j, "regime", parse_regime);
    r.shape = json_get_map<Shape>(j.at("shape"));
    r.params = j.at("params").get<Params>();
    r.template_id = j.at("template_id").get<std::string>();
    r.knobs = json_get_map<Knobs>(j.at("knobs"));
    r.status = parse_enum<Status>(j, "status", parse_status);
    r.error = opt_at<std::string>(j, "error");
    r.labels = j.at("labels").get<std::vector<std::string>>();
    r.source_path = j.at("source_path").get<std::string>();
    r.source_sha256 = j.at("source_sha256").get<std::string>();
    r.input_seed = json_get<uint64_t>(j.at("input_seed"));
    if (const json& l = j.at("launch"); !l.is_null())
      r.launch = Launch{json_get<int64_t>(l.at("grid")), json_get<int>(l.at("threads")), json_get<int64_t>(l.at("smem"))};
    const json& b = j.at("build");
    r.build.ok = b.at("ok").get<bool>();
    r.build.ms = opt_at<double>(b, "ms");
    r.build.cache_hit = opt_at<bool>(b, "cache_hit");
    r.build.flags = opt_at<std::vector<std::string>>(b, "flags");
    r.build.log = opt_at<std::string>(b, "log");
    r.build.registers = opt_at<int>(b, "registers");
    r.build.smem_bytes = opt_at<int>(b, "smem_bytes");
    r.build.spill_bytes = opt_at<int>(b, "spill_bytes");
    r.build.stack_bytes = opt_at<int>(b, "stack_bytes");
    const json& c = j.at("correctness");
    r.correctness.ok = c.at("ok").get<bool>();
    r.correctness.max_abs_err = opt_at<double>(c, "max_abs_err");
    r.correctness.max_rel_err = opt_at<double>(c, "max_rel_err");
    r.correctness.max_ulp = opt_at<double>(c, "max_ulp");
    r.correctness.mismatches = opt_at<int64_t>(c, "mismatches");
    r.correctness.n_tests = json_get<int>(c.at("n_tests"));
    r.correctness.detail = opt_at<std::string>(c, "detail");
    const json& be = j.at("bench");
    if (const json& l = be.at("latency_us"); !l.is_null())
      r.bench.latency_us = LatencyStats{l.at("p50"), l.at("p90"), l.at("min"), l.at("mean"), l.at("stdev"), json_get<int>(be.at("n"))};
    r.bench.bytes = opt_at<double>(be, "bytes");
    r.bench.flops = opt_at<double>(be, "flops");
    r.bench.gbps = opt_at<double>(be, "gbps");
    r.bench.gflops = opt_at<double>(be, "gflops");
    r.bench.pct_of_copy = opt_at<double>(be, "pct_of_copy");
    r.bench.timer = opt_at<std::string>(be, "timer");
    if (const json& h = j.at("harness_ms"); !h.is_null())
      r.harness_ms = RecordHarnessMs{h.at("prepare"), h.at("check"), h.at("bench"), h.at("transfer"), h.at("compare")};
    const json& e = j.at("env");
    r.env = RecordEnv{e.at("foundry_version"), e.at("device"), e.at("compiler"), e.at("copy_gbps"),
                     json_get<uint64_t>(e.at("run_seed"))};
    r.strategy = RecordStrategy{j.at("strategy").at("name"), json_get<uint64_t>(j.at("strategy").at("seq"))};
    r.repro = RecordRepro{j.at("repro").at("render"), j.at("repro").at("run")};
    r.ts = j.at("ts").get<std::string>();
  } catch (const json::exception& e) {
    throw std::runtime_error(fmt::format("record {}: {}", r.id.empty() ? "?" : r.id, e.what()));
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(fmt::format("record {}: {}", r.id.empty() ? "?" : r.id, e.what()));
  }
  return r;
}

std::string now_iso() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(now)), ms);
}

std::string render_command(const Candidate& c, const std::vector<std::string>& render_flags) {
  std::string s = fmt::format("foundry render --backend {} --template {} --dtype {}", c.backend, c.template_id, to_string(c.dtype));
  for (const auto& f : render_flags) s += " " + f;
  for (const auto& [k, v] : c.knobs) s += fmt::format(" --knob {}={}", k, v);
  return s;
}

Record make_record(const OpContract& op, const RecordInputs& in, const RecordContext& ctx) {
  const Candidate& c = *in.candidate;
  Record r;
  r.id = c.id;
  r.op = c.op;
  r.kernel_class = to_string(op.kernel_class);
  r.backend = c.backend;
  r.dtype = c.dtype;
  r.regime = c.regime;
  r.shape = c.shape;
  r.params = c.params;
  r.template_id = c.template_id;
  r.knobs = c.knobs;
  r.status = in.status;
  if (!in.error.empty()) r.error = in.error;
  r.source_path = in.source_path;
  r.source_sha256 = c.source_sha256;
  r.input_seed = c.input_seed;
  r.launch = in.launch;
  if (const BuildResult* b = in.build) {
    r.build.ok = b->ok;
    r.build.ms = b->ms;
    r.build.cache_hit = b->cache_hit;
    r.build.flags = b->flags;
    if (!b->log.empty()) r.build.log = b->log;
    auto nonneg = [](int v) { return v >= 0 ? std::optional<int>(v) : std::nullopt; };
    r.build.registers = nonneg(b->registers);
    r.build.smem_bytes = nonneg(b->smem_bytes);
    r.build.spill_bytes = nonneg(b->spill_bytes);
    r.build.stack_bytes = nonneg(b->stack_bytes);
  }
  if (const EvalResult* e = in.eval) {
    if (e->n_tests > 0) {
      r.correctness.ok = e->check.status == Status::ok && in.status == Status::ok;
      r.correctness.max_abs_err = e->check.max_abs_err;
      r.correctness.max_rel_err = e->check.max_rel_err;
      r.correctness.max_ulp = e->check.max_ulp;
      r.correctness.mismatches = e->check.mismatches;
      r.correctness.n_tests = e->n_tests;
      if (!e->check.detail.empty()) r.correctness.detail = e->check.detail;
    }
    if (e->latency_us && in.status == Status::ok) {
      const Case cs{c.op, c.dtype, c.shape, c.params, c.input_seed, 0};
      const Traffic t = op.traffic(cs);
      const double sec = e->latency_us->p50 * 1e-6;
      r.bench.latency_us = *e->latency_us;
      r.bench.bytes = t.bytes;
      r.bench.flops = t.flops;
      r.bench.gbps = t.bytes / sec / 1e9;
      r.bench.gflops = t.flops / sec / 1e9;
      if (ctx.env.copy_gbps > 0) r.bench.pct_of_copy = 100.0 * t.bytes / sec / 1e9 / ctx.env.copy_gbps;
      r.bench.timer = ctx.timer;
      // Faster than the op's minimum traffic can move at the measured copy
      // bandwidth (with the backend's margin for what beats a copy honestly):
      // the run did not do the work it was timed for, or the model is wrong.
      if (ctx.floor_margin > 0 && ctx.env.copy_gbps > 0 && t.bytes > 0 &&
          sec < t.bytes / (ctx.env.copy_gbps * 1e9 * ctx.floor_margin))
        r.labels.push_back(kSuspectLabel);
    }
    r.harness_ms = RecordHarnessMs{e->prepare_ms, e->check_ms, e->bench_ms, e->transfer_ms, e->compare_ms};
  }
  r.env = ctx.env;
  r.strategy = RecordStrategy{ctx.strategy, in.seq};
  r.repro = RecordRepro{render_command(c, ctx.render_flags), ctx.run_flags};
  r.ts = now_iso();
  return r;
}

}  // namespace foundry
