#include "report/analysis.hpp"

namespace foundry::report {

namespace {

nlohmann::json opt(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

}  // namespace

const CaseSummary* Analysis::case_of(const Record& r) const {
  auto it = case_index.find(&r);
  return it == case_index.end() ? nullptr : &cases[it->second];
}

std::unique_ptr<Analysis> analyse(const std::vector<std::filesystem::path>& sessions, const AnalysisOptions& options) {
  auto a = std::make_unique<Analysis>();
  a->sessions = load_sessions(sessions);
  a->baselines = find_baselines(a->sessions.records, templates_or_none(options.templates));
  a->cases = summarize_cases(a->sessions.records, a->baselines);
  for (std::size_t i = 0; i < a->cases.size(); ++i)
    for (const Record* r : a->cases[i].records) a->case_index[r] = i;
  a->coverage = coverage(a->sessions.records, a->cases);
  a->fronts = pareto_fronts(a->cases);
  a->rooflines = rooflines(a->cases, options.peak_gflops);
  return a;
}

nlohmann::json best_json(const CaseSummary& c) {
  nlohmann::json j{{"case", c.label()},
                   {"backend", c.backend},
                   {"device", c.device},
                   {"op", c.op},
                   {"dtype", to_string(c.dtype)},
                   {"regime", to_string(c.regime)},
                   {"shape", c.shape},
                   {"params", c.params},
                   {"attempts", c.records.size()},
                   {"trusted_ok", c.trusted},
                   {"plain_template", c.plain_template.empty() ? nlohmann::json() : nlohmann::json(c.plain_template)}};
  if (!c.best) {
    j["best"] = nullptr;
  } else {
    const Record& b = *c.best;
    j["best"] = {{"id", b.id},
                 {"template_id", b.template_id},
                 {"knobs", b.knobs},
                 {"latency_us", b.bench.latency_us->p50},
                 {"gbps", opt(b.bench.gbps)},
                 {"gflops", opt(b.bench.gflops)},
                 {"pct_of_copy", opt(b.bench.pct_of_copy)}};
  }
  j["plain_latency_us"] = c.plain_best ? nlohmann::json(c.plain_best->bench.latency_us->p50) : nlohmann::json();
  j["speedup_vs_plain"] = opt(c.speedup());
  std::string why;
  if (!c.best) why = "no trusted, timed variant";
  else if (c.plain_template.empty()) why = "the op has no plain template on this backend";
  else if (!c.plain_best) why = "no timed, trusted variant of the plain template " + c.plain_template;
  j["speedup_note"] = why.empty() ? nlohmann::json() : nlohmann::json(why);
  return j;
}

}  // namespace foundry::report
