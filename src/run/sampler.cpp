#include "run/sampler.hpp"

#include <algorithm>

#include <set>
#include <stdexcept>

#include <fmt/format.h>

#include "core/hash.hpp"
#include "core/philox.h"

namespace foundry {

namespace {
// Draw stream for one op: index i, draw d -> uniform integer below n.
class Draws {
 public:
  Draws(uint64_t seed, const std::string& op) {
    std::string h = sha256_hex(op);
    key_ = seed ^ std::stoull(h.substr(0, 16), nullptr, 16);
  }
  std::size_t pick(std::size_t n) {
    uint64_t r = (static_cast<uint64_t>(foundry_philox_u32(key_, counter_)) << 32) | foundry_philox_u32(key_, counter_ + 1);
    counter_ += 2;
    return static_cast<std::size_t>(r % n);
  }

 private:
  uint64_t key_;
  uint64_t counter_ = 0;
};
}  // namespace

std::vector<PlannedCandidate> plan_random(const OpContract& op, const std::vector<const KernelTemplate*>& templates,
                                          const Backend& backend, const SamplerConfig& cfg) {
  std::vector<PlannedCandidate> out;
  if (templates.empty()) return out;
  std::vector<DType> dtypes;
  for (DType d : cfg.dtypes)
    for (DType o : op.dtypes)
      if (d == o) dtypes.push_back(d);
  if (dtypes.empty()) return out;
  std::vector<std::pair<Regime, Shape>> shapes;
  for (Regime r : cfg.regimes)
    for (const auto& s : op.shapes(r))
      shapes.emplace_back(r, backend.problem_shape(r, s));
  if (shapes.empty()) return out;

  Draws draws(cfg.seed, op.name);
  std::set<std::string> seen;
  const int max_redraws = 8;
  // Each slot gets a few attempts at a candidate not already planned.
  for (int i = 0; i < cfg.per_op; ++i) {
    const KernelTemplate& t = *templates[static_cast<std::size_t>(i) % templates.size()];
    for (int attempt = 0; attempt < 4; ++attempt) {
      PlannedCandidate pc;
      Candidate& c = pc.candidate;
      c.op = op.name;
      c.backend = backend.name();
      c.template_id = t.id;
      c.input_seed = cfg.seed;
      c.dtype = dtypes[draws.pick(dtypes.size())];
      const auto& [regime, shape] = shapes[draws.pick(shapes.size())];
      c.regime = regime;
      c.shape = shape;
      for (const auto& p : op.params) c.params[p.name] = p.domain[draws.pick(p.domain.size())];
      for (int redraw = 0; redraw <= max_redraws; ++redraw) {
        for (const auto& k : t.knobs) c.knobs[k.name] = k.domain[draws.pick(k.domain.size())];
        pc.violated = violated_constraint(t, c.shape, c.knobs);
        if (pc.violated.empty()) break;
      }
      c.source = backend.assemble(op, c.dtype, render(t, c.knobs));
      finalize_identity(c);
      if (!seen.insert(c.id).second) continue;
      pc.tmpl = &t;
      out.push_back(std::move(pc));
      break;
    }
  }
  return out;
}

}  // namespace foundry
