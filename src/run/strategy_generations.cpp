#include "run/strategy_generations.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

namespace foundry {

using nlohmann::json;

namespace {

constexpr std::size_t kSample = 2048;  // candidates drawn from a template too large to enumerate

json outcome_json(const ValidPoints& pts, const Outcome& o) {
  const json point = o.point.empty() ? json() : json::array({o.point[0], pts.flat(o.point)});
  return json::array({o.seq, point, to_string(o.status), std::isfinite(o.cost) ? json(o.cost) : json()});
}

Outcome outcome_from(const ValidPoints& pts, const json& j) {
  Outcome o;
  o.seq = j.at(0).get<uint64_t>();
  if (!j.at(1).is_null()) o.point = pts.at(j.at(1).at(0).get<std::size_t>(), j.at(1).at(1).get<std::size_t>());
  auto status = parse_status(j.at(2).get<std::string>());
  if (!status) throw std::runtime_error("unknown status " + j.at(2).dump());
  o.status = *status;
  o.cost = j.at(3).is_null() ? std::numeric_limits<double>::infinity() : j.at(3).get<double>();
  return o;
}

}  // namespace

double uniform(SeededStream& draws) {
  constexpr std::size_t kOne = std::size_t{1} << 53;
  return static_cast<double>(draws.below(kOne)) / static_cast<double>(kOne);
}

double elite_cost(const Outcome& o) {
  return o.status == Status::ok && std::isfinite(o.cost) ? o.cost : std::numeric_limits<double>::infinity();
}

// ---- ValidPoints

ValidPoints::ValidPoints(const SearchSpace& space, Shape shape) : space_(&space), shape_(std::move(shape)) {
  for (std::size_t t = 0; t < space.templates(); ++t) {
    dims_.push_back(space.dims(t));
    sizes_.push_back(space.size(t));
  }
  known_.resize(space.templates());
  flats_.resize(space.templates());
  checkers_.resize(space.templates());
}

Point ValidPoints::at(std::size_t t, std::size_t flat) const {
  Point p;
  at(t, flat, p);
  return p;
}

void ValidPoints::at(std::size_t t, std::size_t flat, Point& out) const {
  if (t >= sizes_.size() || flat >= sizes_[t])
    throw std::out_of_range(fmt::format("point: flat index {} of template {} outside the space", flat, t));
  const auto& d = dims_[t];
  out.resize(1 + d.size());
  out[0] = static_cast<int>(t);
  for (std::size_t k = d.size(); k-- > 0;) {
    out[1 + k] = static_cast<int>(flat % static_cast<std::size_t>(d[k]));
    flat /= static_cast<std::size_t>(d[k]);
  }
}

std::size_t ValidPoints::flat(const Point& p) const {
  if (p.empty() || p[0] < 0 || static_cast<std::size_t>(p[0]) >= dims_.size() || p.size() != 1 + dims_[p[0]].size())
    return space_->flat_index(p);  // throws naming the bad coordinate
  const auto& d = dims_[p[0]];
  std::size_t f = 0;
  for (std::size_t k = 0; k < d.size(); ++k) {
    if (p[1 + k] < 0 || p[1 + k] >= d[k]) return space_->flat_index(p);
    f = f * static_cast<std::size_t>(d[k]) + static_cast<std::size_t>(p[1 + k]);
  }
  return f;
}

bool ValidPoints::check(std::size_t t, const Point& p) const {
  try {
    if (!checkers_[t]) {
      const KernelTemplate& tp = space_->tmpl(t);
      Checker c;
      std::vector<std::string> names;
      for (const auto& [k, v] : shape_) {
        if (std::any_of(tp.knobs.begin(), tp.knobs.end(), [&](const KnobSpec& s) { return s.name == k; })) continue;
        names.push_back(k);
        c.values.push_back(static_cast<double>(v));
      }
      c.knobs_at = names.size();
      for (const auto& k : tp.knobs) names.push_back(k.name);
      c.values.resize(names.size());
      for (const auto& expr : tp.constraints) c.constraints.emplace_back(expr, names);
      checkers_[t] = std::move(c);
    }
    Checker& c = *checkers_[t];
    const KernelTemplate& tp = space_->tmpl(t);
    for (std::size_t k = 0; k < tp.knobs.size(); ++k)
      c.values[c.knobs_at + k] = static_cast<double>(tp.knobs[k].domain[static_cast<std::size_t>(p[1 + k])]);
    for (const auto& e : c.constraints)
      if (e.eval(c.values) == 0) return false;
    return true;
  } catch (const std::exception&) {
    return space_->violated(p, shape_).empty();  // the same error, named as a run names it
  }
}

bool ValidPoints::valid(const Point& p) const {
  const std::size_t f = flat(p), t = static_cast<std::size_t>(p[0]);
  if (!enumerable(t)) return check(t, p);
  auto& known = known_[t];
  if (known.empty()) known.assign(sizes_[t], -1);
  if (known[f] < 0) known[f] = check(t, p) ? 1 : 0;
  return known[f] == 1;
}

const std::vector<std::size_t>& ValidPoints::valid_flats(std::size_t t) const {
  if (!enumerable(t)) throw std::logic_error("valid_flats of a template too large to enumerate");
  if (!flats_[t]) {
    std::vector<std::size_t> v;
    for (std::size_t f = 0; f < sizes_[t]; ++f)
      if (valid(at(t, f))) v.push_back(f);
    flats_[t] = std::move(v);
  }
  return *flats_[t];
}

// ---- SearchLog

SearchLog::SearchLog(const StrategyContext& ctx)
    : ctx_(ctx),
      points_(*ctx.space, ctx.shape),
      taken_(ctx.space->templates()),
      proposed_in_(ctx.space->templates(), 0),
      valid_proposed_in_(ctx.space->templates(), 0) {}

bool SearchLog::proposed(const Point& p) const {
  const auto t = static_cast<std::size_t>(p.at(0));
  if (t < taken_.size() && points_.enumerable(t)) return !taken_[t].empty() && taken_[t][points_.flat(p)] != 0;
  return proposed_.count(p) > 0;
}

bool SearchLog::has_fresh(std::size_t t) const { return fresh_count(t) > 0; }

std::size_t SearchLog::fresh_count(std::size_t t) const {
  if (!points_.enumerable(t)) return points_.size(t) - proposed_in_.at(t);
  return points_.valid_flats(t).size() - valid_proposed_in_.at(t);
}

std::vector<std::size_t> SearchLog::fresh_flats(std::size_t t, SeededStream& draws) const {
  std::vector<std::size_t> out;
  if (points_.enumerable(t)) {
    if (!has_fresh(t)) return out;
    const auto& taken = taken_[t];
    for (std::size_t f : points_.valid_flats(t))
      if (taken.empty() || !taken[f]) out.push_back(f);
    return out;
  }
  std::set<std::size_t> seen;
  for (std::size_t i = 0; i < kSample; ++i) {
    const std::size_t f = draws.below(points_.size(t));
    if (seen.insert(f).second && fresh(points_.at(t, f))) out.push_back(f);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<Point> SearchLog::random_fresh(std::size_t t, SeededStream& draws) const {
  if (points_.enumerable(t)) {
    if (!has_fresh(t)) return std::nullopt;
    // The k-th valid point not yet proposed.
    std::size_t k = draws.below(points_.valid_flats(t).size() - valid_proposed_in_[t]);
    const auto& taken = taken_[t];
    for (std::size_t f : points_.valid_flats(t))
      if ((taken.empty() || !taken[f]) && k-- == 0) return points_.at(t, f);
    return std::nullopt;
  }
  for (std::size_t i = 0; i < kSample; ++i) {
    Point p = points_.at(t, draws.below(points_.size(t)));
    if (fresh(p)) return p;
  }
  return std::nullopt;
}

std::vector<Point> SearchLog::fresh_neighbours(const Point& p, bool adjacent) const {
  std::vector<Point> out;
  const auto& d = points_.dims(static_cast<std::size_t>(p.at(0)));
  for (std::size_t k = 0; k < d.size(); ++k) {
    for (int v = 0; v < d[k]; ++v) {
      if (v == p[1 + k] || (adjacent && std::abs(v - p[1 + k]) != 1)) continue;
      Point q = p;
      q[1 + k] = v;
      if (fresh(q)) out.push_back(std::move(q));
    }
  }
  return out;
}

std::vector<Outcome> SearchLog::elites(std::size_t k) const {
  std::vector<Outcome> e;
  for (const auto& o : told_)
    if (std::isfinite(elite_cost(o)) && !o.point.empty()) e.push_back(o);
  std::stable_sort(e.begin(), e.end(), [](const Outcome& a, const Outcome& b) { return a.cost < b.cost; });
  if (e.size() > k) e.resize(k);
  return e;
}

std::optional<Outcome> SearchLog::best() const {
  auto e = elites(1);
  if (e.empty()) return std::nullopt;
  return e.front();
}

void SearchLog::mark(const Point& p) {
  if (!proposed_.insert(p).second) return;
  const auto t = static_cast<std::size_t>(p.at(0));
  if (points_.enumerable(t)) {
    if (taken_[t].empty()) taken_[t].assign(points_.size(t), 0);
    taken_[t][points_.flat(p)] = 1;
  }
  ++proposed_in_.at(t);
  if (valid(p)) ++valid_proposed_in_[t];
}

void SearchLog::append(const std::vector<Outcome>& generation) {
  for (const auto& o : generation) {
    if (o.point.empty()) continue;
    mark(o.point);
    told_.push_back(o);
  }
  ++generations_;
}

void SearchLog::restore(const std::vector<Outcome>& told, std::size_t generations) {
  append(told);
  generations_ = generations;
}

// ---- Brood

bool Brood::add(const Point& p) {
  if (!log_.fresh(p)) return false;
  log_.mark(p);
  points_.push_back(p);
  return true;
}

bool Brood::add_random(std::size_t t) {
  if (auto p = log_.random_fresh(t, draws_)) return add(*p);
  const ValidPoints& pts = log_.points();
  if (pts.enumerable(t) && pts.valid_flats(t).empty() && log_.proposed_in(t) == 0) {
    Point p = pts.at(t, 0);
    log_.mark(p);
    points_.push_back(std::move(p));
    return true;
  }
  return false;
}

void Brood::fill_random(std::size_t upto) {
  const std::size_t n = log_.templates();
  const auto first = static_cast<std::size_t>(std::max(0, log_.ctx().first));
  for (std::size_t i = 0; i < n && points_.size() < upto; ++i)
    if (log_.proposed_in((first + i) % n) == 0) add_random((first + i) % n);
  std::vector<std::size_t> left(n);
  std::size_t total = 0;
  for (std::size_t t = 0; t < n; ++t) total += left[t] = log_.fresh_count(t);
  while (points_.size() < upto && total > 0) {
    std::size_t r = draws_.below(total), t = 0;
    for (; r >= left[t]; ++t) r -= left[t];
    if (add_random(t)) {
      --left[t];
      --total;
    } else {  // a template too large to enumerate whose samples all missed
      total -= left[t];
      left[t] = 0;
    }
  }
}

// ---- GenerationalStrategy

GenerationalStrategy::GenerationalStrategy(StrategyContext ctx, std::string name, MakeModel make)
    : ctx_(std::move(ctx)), name_(std::move(name)), make_(std::move(make)), log_(ctx_), model_(make_(ctx_)) {}

void GenerationalStrategy::open() {
  SeededStream draws(ctx_.seed, fmt::format("{}/{}/{}", ctx_.stream, name_, log_.generations()));
  Brood brood(log_, draws);
  model_->breed(brood);
  if (brood.size() == 0) return;  // the space is exhausted
  gen_.clear();
  for (const auto& p : brood.points()) gen_.push_back(Slot{p, false, std::nullopt});
  open_ = true;
  while (!ahead_.empty() && ahead_.begin()->first < base_ + gen_.size()) {
    take(ahead_.begin()->second);
    ahead_.erase(ahead_.begin());
  }
}

void GenerationalStrategy::take(const Outcome& o) {
  if (o.seq < base_) return;  // told already
  if (!open_ || o.seq >= base_ + gen_.size()) {
    ahead_.emplace(o.seq, o);
    return;
  }
  Slot& s = gen_[o.seq - base_];
  if (s.outcome) return;
  Outcome got = o;
  if (got.point.empty()) {
    got.point = s.point;
  } else if (got.point != s.point) {  // the log is the truth: a variant other than the one bred was evaluated
    log_.mark(got.point);
    s.point = got.point;
  }
  s.handed = true;
  s.outcome = std::move(got);
}

void GenerationalStrategy::learn_from(std::vector<Outcome> outcomes) {
  std::sort(outcomes.begin(), outcomes.end(), [](const Outcome& a, const Outcome& b) { return a.seq < b.seq; });
  log_.append(outcomes);
  std::vector<Outcome> known;
  for (auto& o : outcomes)
    if (!o.point.empty()) known.push_back(std::move(o));
  model_->learn(log_, known);
}

void GenerationalStrategy::settle() {
  for (;;) {
    if (!open_) {
      if (ahead_.empty()) return;
      open();
      if (!open_) {  // the space ran out before the log did: what the log holds is one more generation
        std::vector<Outcome> rest;
        for (auto& [seq, o] : ahead_) rest.push_back(o);
        base_ = ahead_.rbegin()->first + 1;
        ahead_.clear();
        learn_from(std::move(rest));
        return;
      }
    }
    for (const auto& s : gen_)
      if (!s.outcome) return;
    std::vector<Outcome> outs;
    for (auto& s : gen_) outs.push_back(std::move(*s.outcome));
    base_ += gen_.size();
    gen_.clear();
    open_ = false;
    learn_from(std::move(outs));
  }
}

std::vector<Proposal> GenerationalStrategy::ask(std::size_t n) {
  std::vector<Proposal> out;
  if (n == 0) return out;
  if (!open_) open();
  if (!open_) return out;
  for (std::size_t i = 0; i < gen_.size() && out.size() < n; ++i) {
    Slot& s = gen_[i];
    if (s.handed || s.outcome) continue;
    s.handed = true;
    out.push_back({base_ + i, s.point});
  }
  return out;
}

void GenerationalStrategy::tell(const std::vector<Outcome>& outcomes) {
  for (const auto& o : outcomes) take(o);
  settle();
}

json GenerationalStrategy::save() const {
  const ValidPoints& pts = log_.points();
  json told = json::array(), gen = json::array(), ahead = json::array();
  for (const auto& o : log_.told()) told.push_back(outcome_json(pts, o));
  for (const auto& s : gen_)
    gen.push_back(json::array({s.point[0], pts.flat(s.point), s.handed, s.outcome ? outcome_json(pts, *s.outcome) : json()}));
  for (const auto& [seq, o] : ahead_) ahead.push_back(outcome_json(pts, o));
  return {{"strategy", name_}, {"first", ctx_.first},   {"told", told},   {"generations", log_.generations()},
          {"open", open_},     {"base", base_},         {"generation", gen}, {"ahead", ahead},
          {"model", model_->save()}};
}

void GenerationalStrategy::load(const json& state) {
  if (!state.is_object() || !state.contains("strategy") || state["strategy"] != name_)
    throw std::runtime_error(fmt::format("{}: the saved state is not one of this strategy's", name_));
  try {
    StrategyContext ctx = ctx_;
    ctx.first = state.at("first").get<int>();
    GenerationalStrategy s(ctx, name_, make_);
    const ValidPoints& pts = s.log_.points();
    std::vector<Outcome> told;
    for (const auto& j : state.at("told")) told.push_back(outcome_from(pts, j));
    s.log_.restore(told, state.at("generations").get<std::size_t>());
    s.open_ = state.at("open").get<bool>();
    s.base_ = state.at("base").get<uint64_t>();
    for (const auto& j : state.at("generation")) {
      Slot slot{pts.at(j.at(0).get<std::size_t>(), j.at(1).get<std::size_t>()), j.at(2).get<bool>(), std::nullopt};
      if (!j.at(3).is_null()) slot.outcome = outcome_from(pts, j.at(3));
      s.log_.mark(slot.point);
      if (slot.outcome) s.log_.mark(slot.outcome->point);
      s.gen_.push_back(std::move(slot));
    }
    for (const auto& j : state.at("ahead")) {
      Outcome o = outcome_from(pts, j);
      s.ahead_.emplace(o.seq, std::move(o));
    }
    s.model_->load(state.at("model"));
    *this = std::move(s);
  } catch (const std::runtime_error&) {
    throw;
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("{}: unreadable saved state: {}", name_, e.what()));
  }
}

}  // namespace foundry
