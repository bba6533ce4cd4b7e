#include "run/case_schedule.hpp"

#include <nlohmann/json.hpp>

#include "core/hash.hpp"
#include "core/philox.h"

namespace foundry {

std::string case_key(const std::string& op, DType dtype, const Shape& shape, const Params& params, uint64_t seed) {
  nlohmann::json k{{"op", op}, {"dtype", to_string(dtype)}, {"shape", shape}, {"params", params}, {"seed", seed}};
  return k.dump();
}

SeededStream::SeededStream(uint64_t seed, const std::string& name)
    : key_(seed ^ std::stoull(sha256_hex(name).substr(0, 16), nullptr, 16)) {}

std::size_t SeededStream::below(std::size_t n) {
  const uint64_t r = (static_cast<uint64_t>(foundry_philox_u32(key_, counter_)) << 32) | foundry_philox_u32(key_, counter_ + 1);
  counter_ += 2;
  return static_cast<std::size_t>(r % n);
}

bool CaseFilter::keeps(const CaseSpec& c) const {
  for (const auto& [k, v] : shape)
    if (!c.shape.count(k) || c.shape.at(k) != v) return false;
  for (const auto& [k, v] : params)
    if (!c.params.count(k) || c.params.at(k) != v) return false;
  return true;
}

std::vector<ScheduledCase> schedule_cases(const OpContract& op, const Backend& backend, const std::vector<Regime>& regimes,
                                          const std::vector<DType>& dtypes, uint64_t seed, const Budget& budget,
                                          const CaseFilter& filter) {
  std::vector<Params> params{Params{}};
  for (const auto& p : op.params) {
    std::vector<Params> grown;
    for (const auto& base : params)
      for (double v : p.domain) {
        Params q = base;
        q[p.name] = v;
        grown.push_back(std::move(q));
      }
    params = std::move(grown);
  }
  std::vector<ScheduledCase> cases;
  for (DType d : dtypes) {
    bool supported = false;
    for (DType o : op.dtypes) supported |= o == d;
    if (!supported) continue;
    for (Regime r : regimes)
      for (const auto& s : op.shapes(r))
        for (const auto& ps : params) {
          ScheduledCase c;
          c.spec = CaseSpec{op.name, d, r, backend.problem_shape(r, s), ps, seed, ""};
          c.spec.key = case_key(op.name, d, c.spec.shape, ps, seed);
          if (filter.keeps(c.spec)) cases.push_back(std::move(c));
        }
  }
  // Fisher-Yates under the (seed, op) stream.
  SeededStream draws(seed, "cases/" + op.name);
  for (std::size_t i = cases.size(); i > 1; --i) std::swap(cases[i - 1], cases[draws.below(i)]);
  int first = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    cases[i].position = static_cast<int>(i);
    cases[i].first = first;
    if (budget.per_case > 0) {
      cases[i].budget = budget.per_case;
    } else {
      const std::size_t n = static_cast<std::size_t>(budget.per_op);
      cases[i].budget = static_cast<int>(n / cases.size() + (i < n % cases.size() ? 1 : 0));
    }
    first += cases[i].budget;
  }
  return cases;
}

}  // namespace foundry
