// `foundry export-kt SESSION --op OP --template T [case selectors] --out FILE`:
// one recorded case of one template as a Kernel Tuner cache file, which its
// simulation mode replays, so Kernel Tuner's strategies and foundry's are
// compared on the same recorded space (bench/kernel_tuner_strategies.py).
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "run/session.hpp"
#include "run/simulate.hpp"
#include "templates/template.hpp"

namespace foundry::cli {

namespace {

using nlohmann::json;

struct ExportKtOptions {
  std::filesystem::path session;
  std::filesystem::path templates;
  std::filesystem::path out;
  std::string op, template_id, dtype;
  std::vector<std::string> shape, params;  // NAME=VALUE
};

const char* kt_error(Status s) {
  switch (s) {
    case Status::invalid_knobs: return "InvalidConfig";
    case Status::compile_error:
    case Status::resource_limit: return "CompilationFailedConfig";
    default: return "RuntimeFailedConfig";
  }
}

int export_kt_main(const ExportKtOptions& o) {
  const auto records = read_session_records(o.session);
  const auto templates = discover_templates(o.templates);
  if (records.empty()) throw std::invalid_argument(fmt::format("{}: the session holds no records", o.session.string()));
  const std::string backend = records.front().backend;  // a template id names one template per backend
  const KernelTemplate* t = nullptr;
  for (const auto& tp : templates)
    if (tp.id == o.template_id && tp.op == o.op && tp.backend == backend) t = &tp;
  if (!t) throw std::invalid_argument(fmt::format("--template {}: no template of {} with that id under {}", o.template_id, o.op, o.templates.string()));
  const auto want_shape = name_value_pairs(o.shape, "--shape");
  const auto want_params = name_value_pairs(o.params, "--param");
  std::vector<const Record*> chosen;
  std::set<std::string> keys;
  for (const Record& r : records) {
    if (r.op != o.op || r.template_id != t->id || (!o.dtype.empty() && to_string(r.dtype) != o.dtype)) continue;
    bool match = true;
    for (const auto& [k, v] : want_shape) match &= r.shape.count(k) && static_cast<double>(r.shape.at(k)) == v;
    for (const auto& [k, v] : want_params) match &= r.params.count(k) && r.params.at(k) == v;
    if (!match) continue;
    chosen.push_back(&r);
    keys.insert(r.case_key());
  }
  if (keys.empty()) throw std::invalid_argument(fmt::format("{}: no record of {} {} matches the case selectors", o.session.string(), o.op, t->id));
  if (keys.size() > 1)
    throw std::invalid_argument(fmt::format("{} cases match; narrow them with --dtype, --shape and --param: {}", keys.size(), fmt::join(keys, " ")));

  const Record& first = *chosen.front();
  // Kernel Tuner matches tune_params' key order against tune_params_keys.
  nlohmann::ordered_json tune_params = nlohmann::ordered_json::object();
  json keys_json = json::array();
  for (const auto& k : t->knobs) {
    tune_params[k.name] = k.domain;
    keys_json.push_back(k.name);
  }
  json problem = json::array();
  for (const auto& [k, v] : first.shape) problem.push_back(v);
  json cache = json::object();
  for (const Record* r : chosen) {
    std::vector<std::string> values;
    json e = json::object();
    for (const auto& k : t->knobs) {
      values.push_back(std::to_string(r->knobs.at(k.name)));
      e[k.name] = r->knobs.at(k.name);
    }
    if (r->status == Status::ok && r->bench.latency_us) {
      e["time"] = r->bench.latency_us->p50 / 1000.0;  // Kernel Tuner's times are milliseconds
      e["times"] = json::array({r->bench.latency_us->p50 / 1000.0});
    } else {
      e["time"] = kt_error(r->status);
    }
    e["compile_time"] = r->build.ms.value_or(0);
    e["verification_time"] = r->harness_ms ? r->harness_ms->check : 0;
    e["benchmark_time"] = r->harness_ms ? r->harness_ms->bench : 0;
    e["strategy_time"] = 0;
    e["framework_time"] = 0;
    e["timestamp"] = r->ts;
    cache[fmt::format("{}", fmt::join(values, ","))] = e;
  }
  // Points that break a constraint at this shape are never run by foundry: Kernel Tuner sees them as invalid.
  const SearchSpace space({t});
  for (std::size_t i = 0; i < space.size(0); ++i) {
    const Point p = space.at(0, i);
    if (space.violated(p, first.shape).empty()) continue;
    std::vector<std::string> values;
    json e = json::object();
    for (const auto& [k, v] : space.knobs(p)) e[k] = v;
    for (const auto& k : t->knobs) values.push_back(std::to_string(e[k.name].get<int64_t>()));
    const std::string key = fmt::format("{}", fmt::join(values, ","));
    if (!cache.contains(key)) {
      e["time"] = "InvalidConfig";
      cache[key] = e;
    }
  }
  // Kernel Tuner reads the file as it writes it: `cache` last, the file ending in "}\n}".
  nlohmann::ordered_json out;
  out["device_name"] = first.env.device;
  out["kernel_name"] = t->id;
  out["problem_size"] = problem;
  out["tune_params_keys"] = keys_json;
  out["tune_params"] = tune_params;
  out["objective"] = "time";
  out["foundry"] = {{"op", o.op}, {"case", json::parse(first.case_key())}};
  out["cache"] = cache;
  std::ofstream f(o.out);
  if (!f) throw std::invalid_argument(fmt::format("--out {}: cannot write", o.out.string()));
  f << out.dump(1) << "\n";
  std::cout << fmt::format("{}: {} configurations of {} ({} recorded) for {}\n", o.out.string(), cache.size(), t->id,
                           chosen.size(), first.case_key());
  return 0;
}

}  // namespace

Command export_kt_command() {
  return {"export-kt", "write one recorded case of one template as a Kernel Tuner cache file (for its simulation mode)",
          [](CLI::App& sub) -> Handler {
            auto o = std::make_shared<ExportKtOptions>();
            sub.add_option("session", o->session, "session directory")->required();
            add_template_option(sub, o->templates);
            sub.add_option("--op", o->op, "op")->required();
            sub.add_option("--template", o->template_id, "template id")->required();
            sub.add_option("--dtype", o->dtype, "the case's dtype");
            sub.add_option("--shape", o->shape, "NAME=VALUE of the case's shape (repeatable)");
            sub.add_option("--param", o->params, "NAME=VALUE of the case's params (repeatable)");
            sub.add_option("--out", o->out, "the cache file to write")->required();
            return [o] { return export_kt_main(*o); };
          }};
}

}  // namespace foundry::cli
