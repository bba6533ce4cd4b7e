#include "run/simulate.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace foundry {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
const double kThresholds[3] = {0.01, 0.03, 0.05};

Quartiles quartiles(std::vector<double> v) {
  if (v.empty()) return {};
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    const double pos = q * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const auto hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
  };
  return {at(0.25), at(0.5), at(0.75)};
}

}  // namespace

double worst_correct(const RecordedCase& c) {
  double w = 0;
  for (const auto& [p, v] : c.cost)
    if (std::isfinite(v)) w = std::max(w, v);
  return w;
}

double RecordedCase::best() const {
  double b = kInf;
  for (const auto& [p, v] : cost) b = std::min(b, v);
  return b;
}

std::vector<RecordedCase> recorded_cases(const std::vector<Record>& records, const SearchSpace& space, const std::string& op) {
  std::map<std::string, RecordedCase> by_key;
  for (const Record& r : records) {
    if (r.op != op) continue;
    auto p = space.point(r.template_id, r.knobs);
    if (!p) continue;
    RecordedCase& c = by_key[r.case_key()];
    c.op = op;
    c.key = r.case_key();
    c.dtype = r.dtype;
    c.shape = r.shape;
    c.params = r.params;
    c.cost[*p] = r.cost();
  }
  std::vector<RecordedCase> out;
  for (auto& [key, c] : by_key) {
    for (std::size_t t = 0; t < space.templates(); ++t)
      for (std::size_t i = 0; i < space.size(t); ++i) {
        const Point p = space.at(t, i);
        if (!space.violated(p, c.shape).empty()) continue;
        ++c.valid;
        c.recorded += c.cost.count(p);
      }
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<double> replay(const StrategyRow& row, const RecordedCase& c, const SearchSpace& space, uint64_t seed,
                           int budget) {
  auto strategy = row.make(StrategyContext{&space, c.shape, seed, c.key, 0, StrategyOptions{}});
  std::vector<double> trace;
  double best = kInf;
  while (static_cast<int>(trace.size()) < budget) {
    auto props = strategy->ask(static_cast<std::size_t>(budget) - trace.size());
    if (props.empty()) break;  // nothing is ever left in flight here: the space is exhausted
    std::vector<Outcome> outs;
    for (const auto& p : props) {
      auto it = c.cost.find(p.point);
      const double cost = it == c.cost.end() ? kInf : it->second;
      outs.push_back({p.seq, p.point, std::isfinite(cost) ? Status::ok : Status::mismatch, cost});
      best = std::min(best, cost);
      trace.push_back(best);
    }
    strategy->tell(outs);
  }
  return trace;
}

std::vector<double> random_expectation(const RecordedCase& c, int budget) {
  const double worst = worst_correct(c);
  std::vector<double> costs;
  for (const auto& [p, v] : c.cost) costs.push_back(std::isfinite(v) ? v : worst);
  // Valid points the session lacks cannot be drawn in a replay either: they answer as failures.
  for (std::size_t i = c.cost.size(); i < c.valid; ++i) costs.push_back(worst);
  std::sort(costs.begin(), costs.end());
  const auto m = static_cast<int>(costs.size());
  std::vector<double> out;
  for (int k = 1; k <= budget; ++k) {
    if (k >= m) {
      out.push_back(costs.empty() ? kInf : costs.front());
      continue;
    }
    // P(the best of k draws is the i-th smallest) = C(m - i, k - 1) / C(m, k), i from 1.
    const double log_total = std::lgamma(m + 1.0) - std::lgamma(k + 1.0) - std::lgamma(m - k + 1.0);
    double e = 0;
    for (int i = 1; i <= m - k + 1; ++i) {
      const double log_ways = std::lgamma(m - i + 1.0) - std::lgamma(k) - std::lgamma(m - i - k + 2.0);
      e += costs[static_cast<std::size_t>(i - 1)] * std::exp(log_ways - log_total);
    }
    out.push_back(e);
  }
  return out;
}

StrategyScore score(const std::string& strategy, const std::vector<std::vector<double>>& traces, const RecordedCase& c,
                    int budget) {
  StrategyScore s;
  s.strategy = strategy;
  s.repeats = static_cast<int>(traces.size());
  const double opt = c.best();
  const double worst = worst_correct(c);
  const auto rnd = random_expectation(c, budget);
  std::vector<double> within[3];
  double total = 0;
  for (const auto& t : traces) {
    for (int x = 0; x < 3; ++x) {
      int k = budget + 1;
      for (std::size_t i = 0; i < t.size(); ++i)
        if (t[i] <= opt * (1 + kThresholds[x])) {
          k = static_cast<int>(i) + 1;
          break;
        }
      within[x].push_back(k);
      s.reached[x] += k <= budget;
    }
    // Averaged over the k where random search has not surely found the optimum
    // (there the score is undefined: every searcher that covers the space ties).
    double sum = 0;
    int n = 0;
    for (int k = 1; k <= budget; ++k) {
      const double fr = rnd[static_cast<std::size_t>(k - 1)];
      if (!(fr > opt)) break;
      // After an exhausted space the best stays where it was.
      double f = t.empty() ? worst : t[std::min<std::size_t>(static_cast<std::size_t>(k), t.size()) - 1];
      if (!std::isfinite(f)) f = worst;
      sum += (fr - f) / (fr - opt);
      ++n;
    }
    total += n > 0 ? sum / n : 1.0;
  }
  for (int x = 0; x < 3; ++x) s.within[x] = quartiles(within[x]);
  s.score = traces.empty() ? 0 : total / static_cast<double>(traces.size());
  return s;
}

}  // namespace foundry
