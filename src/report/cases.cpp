#include "report/cases.hpp"

#include <limits>
#include <map>

#include <fmt/format.h>

namespace foundry::report {

std::optional<double> CaseSummary::speedup_of(const Record& r) const {
  if (!plain_best || !r.trusted_ok() || !r.bench.latency_us || r.bench.latency_us->p50 <= 0) return std::nullopt;
  return plain_best->bench.latency_us->p50 / r.bench.latency_us->p50;
}

std::string shape_text(const Shape& shape, const Params& params) {
  std::string s;
  for (const auto& [k, v] : shape) s += fmt::format("{}{}={}", s.empty() ? "" : " ", k, v);
  for (const auto& [k, v] : params) s += fmt::format("{}{}={:g}", s.empty() ? "" : " ", k, v);
  return s;
}

std::string knobs_text(const Knobs& knobs) {
  std::string s;
  for (const auto& [k, v] : knobs) s += fmt::format("{}{}={}", s.empty() ? "" : " ", k, v);
  return s;
}

std::string CaseSummary::label(bool with_device) const {
  std::string l = fmt::format("{} {} {} {}", op, to_string(dtype), to_string(regime), shape_text(shape, params));
  if (with_device) l += fmt::format(" [{} {}]", backend, device);
  return l;
}

std::vector<CaseSummary> summarize_cases(const std::vector<Record>& records, const Baselines& baselines) {
  std::vector<CaseSummary> cases;
  std::map<std::string, std::size_t> index;
  for (const Record& r : records) {
    const std::string key = fmt::format("{}|{}|{}|{}|{}", r.backend, r.env.device, r.op, to_string(r.dtype), shape_text(r.shape, r.params));
    auto [it, fresh] = index.emplace(key, cases.size());
    if (fresh) {
      const auto b = baselines.find({r.op, r.backend});
      cases.push_back(CaseSummary{.key = key, .backend = r.backend, .device = r.env.device, .op = r.op,
                                  .kernel_class = r.kernel_class, .dtype = r.dtype, .regime = r.regime, .shape = r.shape,
                                  .params = r.params, .copy_gbps = 0, .records = {}, .trusted = 0, .best = nullptr,
                                  .plain_template = b == baselines.end() ? "" : b->second, .plain_best = nullptr});
    }
    CaseSummary& c = cases[it->second];
    c.records.push_back(&r);
    if (r.env.copy_gbps > c.copy_gbps) c.copy_gbps = r.env.copy_gbps;
    if (!r.trusted_ok()) continue;
    ++c.trusted;
    const double cost = r.cost();
    if (cost == std::numeric_limits<double>::infinity()) continue;
    if (!c.best || cost < c.best->cost()) c.best = &r;
    if (r.template_id == c.plain_template && (!c.plain_best || cost < c.plain_best->cost())) c.plain_best = &r;
  }
  return cases;
}

}  // namespace foundry::report
