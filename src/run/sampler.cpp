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

Shape gpu_prefill(Shape s) {
  // A GPU prefill batch: 16384 tokens, so that one launch moves far more than
  // the L2 holds. Caches grow to keep every token a slot.
  for (const char* sym : {"rows", "tokens"})
    if (s.count(sym)) s[sym] = 16384;
  if (s.count("cache_slots")) s["cache_slots"] = std::max<int64_t>(s["cache_slots"], 2 * 16384);
  return s;
}

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
      shapes.emplace_back(r, r == Regime::prefill && backend.name() == "cuda" ? gpu_prefill(s) : s);
  if (shapes.empty()) return out;

  Draws draws(cfg.seed, op.name);
  // Every case (dtype, shape, param values), in an order drawn from the seed.
  // Slot i takes template i % T and case (i / T) % cases: each case gets every
  // template before any gets a second variant, so no case is left with only
  // the slow templates (an op like dropout has 12 param cases per shape).
  struct CaseDraw {
    DType dtype;
    Regime regime;
    Shape shape;
    Params params;
  };
  std::vector<Params> param_sets{Params{}};
  for (const auto& p : op.params) {
    std::vector<Params> grown;
    for (const auto& base : param_sets)
      for (double v : p.domain) {
        Params q = base;
        q[p.name] = v;
        grown.push_back(std::move(q));
      }
    param_sets = std::move(grown);
  }
  std::vector<CaseDraw> cases;
  for (DType d : dtypes)
    for (const auto& [regime, shape] : shapes)
      for (const auto& params : param_sets) cases.push_back({d, regime, shape, params});
  for (std::size_t i = cases.size(); i > 1; --i) std::swap(cases[i - 1], cases[draws.pick(i)]);

  std::set<std::string> seen;
  const int max_redraws = 8;
  // Each slot gets a few attempts at a candidate not already planned.
  for (int i = 0; i < cfg.per_op; ++i) {
    const std::size_t slot = static_cast<std::size_t>(i);
    const KernelTemplate& t = *templates[slot % templates.size()];
    const CaseDraw& cd = cases[(slot / templates.size()) % cases.size()];
    for (int attempt = 0; attempt < 4; ++attempt) {
      PlannedCandidate pc;
      Candidate& c = pc.candidate;
      c.op = op.name;
      c.backend = backend.name();
      c.template_id = t.id;
      c.input_seed = cfg.seed;
      c.dtype = cd.dtype;
      c.regime = cd.regime;
      c.shape = cd.shape;
      c.params = cd.params;
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
