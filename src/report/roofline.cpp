#include "report/roofline.hpp"

#include <algorithm>
#include <limits>

namespace foundry::report {

std::vector<Roofline> rooflines(const std::vector<CaseSummary>& cases, std::optional<double> peak_gflops) {
  std::vector<Roofline> out;
  for (const auto& c : cases) {
    if (!c.best) continue;
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const Roofline& r) { return r.backend == c.backend && r.device == c.device; });
    if (it == out.end()) {
      out.emplace_back();
      out.back().backend = c.backend;
      out.back().device = c.device;
      it = out.end() - 1;
    }
    Roofline& rl = *it;
    rl.copy_gbps = std::max(rl.copy_gbps, c.copy_gbps);
    for (const Record* r : c.records)
      if (r->cost() < std::numeric_limits<double>::infinity() && r->bench.gflops)
        rl.peak_gflops = std::max(rl.peak_gflops, *r->bench.gflops);
    const Record& b = *c.best;
    RooflinePoint p{&c, &b, b.bench.bytes.value_or(0), b.bench.gbps.value_or(0), 0, std::nullopt, std::nullopt};
    if (rl.copy_gbps > 0) p.pct_of_copy = b.bench.pct_of_copy.value_or(100.0 * p.gbps / c.copy_gbps);
    if (b.bench.flops && *b.bench.flops > 0 && b.bench.gflops && p.bytes > 0) {
      p.gflops = *b.bench.gflops;
      p.intensity = *b.bench.flops / p.bytes;
    }
    rl.points.push_back(p);
  }
  if (peak_gflops)
    for (auto& rl : out) {
      rl.peak_gflops = *peak_gflops;
      rl.peak_given = true;
    }
  return out;
}

nlohmann::json to_json(const Roofline& r) {
  nlohmann::json points = nlohmann::json::array();
  for (const auto& p : r.points)
    points.push_back({{"case", p.c->label()},
                      {"op", p.c->op},
                      {"template_id", p.best->template_id},
                      {"id", p.best->id},
                      {"bytes", p.bytes},
                      {"gbps", p.gbps},
                      {"pct_of_copy", p.pct_of_copy},
                      {"gflops", p.gflops ? nlohmann::json(*p.gflops) : nlohmann::json()},
                      {"flops_per_byte", p.intensity ? nlohmann::json(*p.intensity) : nlohmann::json()}});
  return {{"backend", r.backend},
          {"device", r.device},
          {"copy_gbps", r.copy_gbps},
          {"peak_gflops", r.peak_gflops},
          {"peak", r.peak_given ? "given" : "observed"},
          {"points", points}};
}

}  // namespace foundry::report
