#include "harness/worker_protocol.hpp"

#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "core/json_get.hpp"

namespace foundry {

using nlohmann::json;

json to_json(const EvalRequest& r) {
  json j = {{"op", r.op},
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
          {"check_only", r.check_only},
          {"prepare_only", r.prepare_only},
          {"repeats", r.repeats},
          {"ref_cache", r.ref_cache},
          {"ref_cache_bytes", r.ref_cache_bytes},
          {"bench",
           {{"warmup", r.bench.warmup},
            {"min_repeats", r.bench.min_repeats},
            {"max_repeats", r.bench.max_repeats},
            {"target_rse", r.bench.target_rse},
            {"max_seconds", r.bench.max_seconds},
            {"flush_cache", r.bench.flush_cache}}}};
  if (r.next.n_tests > 0)
    j["next"] = {{"op", r.next.op}, {"dtype", to_string(r.next.dtype)}, {"shape", r.next.shape},
                 {"params", r.next.params}, {"seed", r.next.seed}, {"n_tests", r.next.n_tests}};
  return j;
}

EvalRequest eval_request_from_json(const json& j) {
  EvalRequest r;
  r.op = j.at("op").get<std::string>();
  const std::string dtype = j.at("dtype").get<std::string>();
  const auto parsed = parse_dtype(dtype);
  if (!parsed) throw std::runtime_error(fmt::format("unknown dtype '{}'", dtype));
  r.dtype = *parsed;
  r.shape = json_get_map<Shape>(j.at("shape"));
  r.params = j.at("params").get<Params>();
  r.seed = json_get<uint64_t>(j.at("seed"));
  r.artifact = j.at("artifact").get<std::string>();
  r.grid = json_get<int64_t>(j.at("grid"));
  r.threads = json_get<int>(j.at("threads"));
  r.smem = j.contains("smem") ? json_get<int64_t>(j["smem"]) : 0;
  r.n_tests = json_get<int>(j.at("n_tests"));
  r.checker = j.value("checker", "");
  r.host_checks = j.value("host_checks", false);
  r.check_only = j.value("check_only", false);
  r.prepare_only = j.value("prepare_only", false);
  r.repeats = j.contains("repeats") ? json_get<int>(j["repeats"]) : 1;
  r.ref_cache = j.value("ref_cache", "");
  r.ref_cache_bytes = j.contains("ref_cache_bytes") ? json_get<uint64_t>(j["ref_cache_bytes"]) : 0;
  if (j.contains("next")) {
    const auto& n = j["next"];
    r.next.op = n.at("op").get<std::string>();
    const std::string ndtype = n.at("dtype").get<std::string>();
    const auto nparsed = parse_dtype(ndtype);
    if (!nparsed) throw std::runtime_error(fmt::format("next: unknown dtype '{}'", ndtype));
    r.next.dtype = *nparsed;
    r.next.shape = json_get_map<Shape>(n.at("shape"));
    r.next.params = n.at("params").get<Params>();
    r.next.seed = json_get<uint64_t>(n.at("seed"));
    r.next.n_tests = json_get<int>(n.at("n_tests"));
  }
  const auto& b = j.at("bench");
  r.bench.warmup = json_get<int>(b.at("warmup"));
  r.bench.min_repeats = json_get<int>(b.at("min_repeats"));
  r.bench.max_repeats = json_get<int>(b.at("max_repeats"));
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
  r.n_tests = j.contains("n_tests") ? json_get<int>(j["n_tests"]) : 0;
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
  // JSON has no infinity: an error too large for a double comes as null.
  auto error_of = [](const json& v) { return v.is_null() ? std::numeric_limits<double>::infinity() : v.get<double>(); };
  r.check.max_abs_err = error_of(c.at("max_abs_err"));
  r.check.max_rel_err = error_of(c.at("max_rel_err"));
  r.check.max_ulp = error_of(c.at("max_ulp"));
  r.check.mismatches = json_get<int64_t>(c.at("mismatches"));
  r.check.detail = c.at("detail");
  if (j.contains("latency_us")) {
    const auto& l = j["latency_us"];
    r.latency_us = LatencyStats{l.at("p50"), l.at("p90"), l.at("min"), l.at("mean"), l.at("stdev"), json_get<int>(l.at("n"))};
  }
  return r;
}

namespace {

std::string phase_of(const json& p) {
  const std::string name = p.get<std::string>();
  const bool word = !name.empty() && name.size() <= 32 &&
                    name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string::npos;
  if (!word) throw std::runtime_error(fmt::format("not a phase name: {}", p.dump().substr(0, 40)));
  return name;
}

WorkerDeath death_of(const json& d) {
  if (!d.is_object()) throw std::runtime_error("expected an object, found " + d.dump().substr(0, 40));
  WorkerDeath w;
  w.signal = json_get<int>(d.at("signal"));
  if (w.signal <= 0) throw std::runtime_error(fmt::format("signal {} is not a signal", w.signal));
  w.vm_bytes = json_get<uint64_t>(d.at("vm_bytes"));
  if (const json& limit = d.at("as_limit"); !limit.is_null()) w.as_limit = json_get<uint64_t>(limit);
  return w;
}

}  // namespace

WorkerMessage parse_worker_message(const std::string& line) {
  WorkerMessage m;
  const json msg = json::parse(line, nullptr, false);
  if (msg.is_discarded() || !msg.is_object()) return m;
  const char* key = "";
  try {
    if (const auto p = msg.find("phase"); p != msg.end()) {
      key = "phase";
      m.phase = phase_of(*p);
      m.kind = WorkerMessage::Kind::phase;
    } else if (const auto d = msg.find("died"); d != msg.end()) {
      key = "died";
      m.died = death_of(*d);
      m.kind = WorkerMessage::Kind::died;
    } else if (const auto r = msg.find("result"); r != msg.end()) {
      key = "result";
      if (!r->is_object()) throw std::runtime_error("expected an object, found " + r->dump().substr(0, 40));
      m.result = eval_result_from_json(*r);
      m.kind = WorkerMessage::Kind::result;
    }
  } catch (const std::exception& e) {
    m = WorkerMessage{};
    m.kind = WorkerMessage::Kind::malformed;
    m.error = fmt::format("{}: {}", key, e.what());
  }
  return m;
}

EvalRequest parse_worker_request(const std::string& line) {
  try {
    return eval_request_from_json(json::parse(line));
  } catch (const json::exception& e) {
    throw std::runtime_error(fmt::format("malformed request: {}", e.what()));
  }
}

}  // namespace foundry
