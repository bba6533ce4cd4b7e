#include "run/strategy_cem.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace foundry {

namespace {
constexpr int kTries = 32;  // samples of one slot before it takes a random point
}

std::size_t sample_weighted(const std::vector<double>& weights, SeededStream& draws) {
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  double u = uniform(draws) * total;
  std::size_t last = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (weights[i] <= 0) continue;
    last = i;
    if (u < weights[i]) return i;
    u -= weights[i];
  }
  return last;  // rounding
}

CemModel::CemModel(const StrategyContext& ctx) : opt_(ctx.options) {
  const SearchSpace& space = *ctx.space;
  templates_.assign(space.templates(), space.templates() ? 1.0 / static_cast<double>(space.templates()) : 0.0);
  for (std::size_t t = 0; t < space.templates(); ++t) {
    std::vector<std::vector<double>> per_knob;
    for (int d : space.dims(t)) per_knob.emplace_back(static_cast<std::size_t>(d), 1.0 / d);
    knobs_.push_back(std::move(per_knob));
  }
}

void CemModel::breed(Brood& brood) {
  const SearchLog& log = brood.log();
  const std::size_t n = static_cast<std::size_t>(opt_.cem_generation);
  if (log.generations() == 0)  // a template with no valid point says why it never ran
    for (std::size_t t = 0; t < log.templates(); ++t)
      if (!log.has_fresh(t) && log.proposed_in(t) == 0) brood.add_random(t);
  while (brood.size() < n) {
    std::vector<double> w(templates_.size(), 0.0);
    for (std::size_t t = 0; t < w.size(); ++t) w[t] = log.has_fresh(t) ? templates_[t] : 0.0;
    if (std::all_of(w.begin(), w.end(), [](double x) { return x <= 0; })) return;
    bool added = false;
    std::size_t t = 0;
    for (int tries = 0; tries < kTries && !added; ++tries) {
      t = sample_weighted(w, brood.draws());
      Point p{static_cast<int>(t)};
      for (const auto& dist : knobs_[t]) p.push_back(static_cast<int>(sample_weighted(dist, brood.draws())));
      added = brood.add(p);
    }
    if (!added) added = brood.add_random(t);
    if (!added) {
      const std::size_t before = brood.size();
      brood.fill_random(before + 1);
      if (brood.size() == before) return;
    }
  }
}

void CemModel::update(std::vector<double>& p, const std::vector<double>& freq) const {
  const double d = static_cast<double>(p.size());
  const double floor = std::min(opt_.cem_floor, 1.0 / d);
  double total = 0;
  for (std::size_t i = 0; i < p.size(); ++i) total += p[i] = opt_.cem_smoothing * freq[i] + (1 - opt_.cem_smoothing) * p[i];
  for (auto& x : p) x = floor + (1 - d * floor) * (x / total);
}

void CemModel::learn(const SearchLog& log, const std::vector<Outcome>&) {
  const auto k = static_cast<std::size_t>(std::ceil(opt_.cem_elite * opt_.cem_generation));
  const auto elites = log.elites(std::max<std::size_t>(1, k));
  if (elites.empty()) return;
  std::vector<double> tf(templates_.size(), 0.0);
  for (const auto& e : elites) tf[static_cast<std::size_t>(e.point[0])] += 1.0 / static_cast<double>(elites.size());
  update(templates_, tf);
  for (std::size_t t = 0; t < knobs_.size(); ++t) {
    std::vector<const Outcome*> mine;
    for (const auto& e : elites)
      if (static_cast<std::size_t>(e.point[0]) == t) mine.push_back(&e);
    if (mine.empty()) continue;
    for (std::size_t kn = 0; kn < knobs_[t].size(); ++kn) {
      std::vector<double> f(knobs_[t][kn].size(), 0.0);
      for (const Outcome* e : mine) f[static_cast<std::size_t>(e->point[1 + kn])] += 1.0 / static_cast<double>(mine.size());
      update(knobs_[t][kn], f);
    }
  }
}

nlohmann::json CemModel::save() const { return {{"templates", templates_}, {"knobs", knobs_}}; }

void CemModel::load(const nlohmann::json& state) {
  if (!state.is_object() || !state.contains("templates") || !state.contains("knobs"))
    throw std::runtime_error("cem: saved state lacks templates/knobs");
  auto templates = state["templates"].get<std::vector<double>>();
  auto knobs = state["knobs"].get<std::vector<std::vector<std::vector<double>>>>();
  bool fits = templates.size() == templates_.size() && knobs.size() == knobs_.size();
  for (std::size_t t = 0; fits && t < knobs.size(); ++t) {
    fits = knobs[t].size() == knobs_[t].size();
    for (std::size_t k = 0; fits && k < knobs[t].size(); ++k) fits = knobs[t][k].size() == knobs_[t][k].size();
  }
  if (!fits) throw std::runtime_error("cem: saved distributions do not fit this space");
  templates_ = std::move(templates);
  knobs_ = std::move(knobs);
}

}  // namespace foundry
