#include "report/pareto.hpp"

#include <algorithm>
#include <limits>

namespace foundry::report {

namespace {

nlohmann::json opt(const std::optional<int>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

}  // namespace

std::size_t ParetoFront::front_size() const {
  return static_cast<std::size_t>(std::count_if(points.begin(), points.end(), [](const ParetoPoint& p) { return p.on_front; }));
}

std::vector<ParetoFront> pareto_fronts(const std::vector<CaseSummary>& cases) {
  std::vector<ParetoFront> fronts;
  for (const auto& c : cases) {
    std::vector<const Record*> timed;
    for (const Record* r : c.records)
      if (r->cost() < std::numeric_limits<double>::infinity() &&
          (r->correctness.max_ulp || r->correctness.max_rel_err))
        timed.push_back(r);
    if (timed.empty()) continue;
    ParetoFront f;
    f.c = &c;
    const bool ulp = std::all_of(timed.begin(), timed.end(), [](const Record* r) { return r->correctness.max_ulp.has_value(); });
    f.error_measure = ulp ? "max_ulp" : "max_rel_err";
    for (const Record* r : timed) {
      const auto& e = ulp ? r->correctness.max_ulp : r->correctness.max_rel_err;
      if (!e) continue;  // max_rel_err missing where max_ulp is not: no place on this front
      f.points.push_back({r, r->cost(), *e, false});
    }
    std::sort(f.points.begin(), f.points.end(), [](const ParetoPoint& a, const ParetoPoint& b) {
      return a.latency_us != b.latency_us ? a.latency_us < b.latency_us : a.error < b.error;
    });
    // Walking by latency, a point is on the front when it is more accurate than
    // every faster one (ties in latency: the first, most accurate, only).
    double best_error = std::numeric_limits<double>::infinity();
    for (auto& p : f.points) {
      if (p.error < best_error) {
        p.on_front = true;
        best_error = p.error;
      }
    }
    fronts.push_back(std::move(f));
  }
  return fronts;
}

nlohmann::json to_json(const ParetoPoint& p) {
  const Record& r = *p.record;
  nlohmann::json launch;
  if (r.launch) launch = {{"grid", r.launch->grid}, {"threads", r.launch->threads}, {"smem", r.launch->smem}};
  return {{"id", r.id},
          {"template_id", r.template_id},
          {"knobs", r.knobs},
          {"latency_us", p.latency_us},
          {"error", p.error},
          {"on_front", p.on_front},
          {"gbps", r.bench.gbps ? nlohmann::json(*r.bench.gbps) : nlohmann::json()},
          {"resources",
           {{"registers", opt(r.build.registers)},
            {"smem_bytes", opt(r.build.smem_bytes)},
            {"spill_bytes", opt(r.build.spill_bytes)},
            {"launch", launch}}}};
}

nlohmann::json to_json(const ParetoFront& f) {
  nlohmann::json points = nlohmann::json::array();
  for (const auto& p : f.points) points.push_back(to_json(p));
  return {{"case", f.c->label()},
          {"backend", f.c->backend},
          {"device", f.c->device},
          {"op", f.c->op},
          {"dtype", to_string(f.c->dtype)},
          {"regime", to_string(f.c->regime)},
          {"shape", f.c->shape},
          {"params", f.c->params},
          {"error_measure", f.error_measure},
          {"front_size", f.front_size()},
          {"points", points}};
}

}  // namespace foundry::report
