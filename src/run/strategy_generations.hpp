// What the adaptive strategies (coverage, mutation, cem, anneal, mix) share:
// they work in generations. A model breeds a generation of new points from
// what the case's search has learnt; the generation is handed out by ask();
// once its last outcome is told, the model learns from the generation's
// outcomes in seq order and breeds the next. So the proposals depend only on
// the seed and on the outcomes in seq order, never on how asks and tells were
// grouped, and a state rebuilt by replaying the log (outcomes of seqs this
// instance never asked) breeds the same generations: outcomes told ahead of
// their generation wait until it is bred, and the points of a generation that
// were lost in flight are handed out again first.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/expr.hpp"
#include "run/case_schedule.hpp"
#include "run/strategy.hpp"

namespace foundry {

// Which points of a space are valid at one shape, each constraint evaluated
// once per point. Templates of up to kEnumerable points are enumerated on
// first use; larger ones are only ever sampled.
class ValidPoints {
 public:
  static constexpr std::size_t kEnumerable = std::size_t{1} << 16;
  ValidPoints(const SearchSpace& space, Shape shape);
  const SearchSpace& space() const { return *space_; }
  const std::vector<int>& dims(std::size_t t) const { return dims_.at(t); }
  std::size_t size(std::size_t t) const { return sizes_.at(t); }
  bool enumerable(std::size_t t) const { return sizes_.at(t) <= kEnumerable; }
  Point at(std::size_t t, std::size_t flat) const;
  void at(std::size_t t, std::size_t flat, Point& out) const;  // into a reused point
  std::size_t flat(const Point& p) const;
  bool valid(const Point& p) const;
  // Flat indices of the valid points of an enumerable template, ascending.
  const std::vector<std::size_t>& valid_flats(std::size_t t) const;

 private:
  const SearchSpace* space_;
  Shape shape_;
  std::vector<std::vector<int>> dims_;
  std::vector<std::size_t> sizes_;
  // The constraints of a template parsed once, over the shape's symbols and its knobs.
  struct Checker {
    std::vector<CompiledExpr> constraints;
    std::vector<double> values;  // shape symbols, then the knobs
    std::size_t knobs_at = 0;
  };
  bool check(std::size_t t, const Point& p) const;
  mutable std::vector<std::vector<int8_t>> known_;  // per flat index: -1 unknown, 0 invalid, 1 valid
  mutable std::vector<std::optional<std::vector<std::size_t>>> flats_;
  mutable std::vector<std::optional<Checker>> checkers_;
};

// A uniform double in [0, 1) from the stream.
double uniform(SeededStream& draws);
// The cost an outcome counts for: its cost when correct and finite, +inf otherwise.
double elite_cost(const Outcome& o);

// What a case's search has learnt so far: the points proposed (the generation
// in flight included) and the outcomes of the generations told, in seq order.
// Models read it; only the engine and the Brood write it.
class SearchLog {
 public:
  explicit SearchLog(const StrategyContext& ctx);
  const StrategyContext& ctx() const { return ctx_; }
  const SearchSpace& space() const { return *ctx_.space; }
  const ValidPoints& points() const { return points_; }
  std::size_t templates() const { return ctx_.space->templates(); }

  bool valid(const Point& p) const { return points_.valid(p); }
  bool proposed(const Point& p) const;
  bool fresh(const Point& p) const { return !proposed(p) && valid(p); }
  const std::set<Point>& proposed_points() const { return proposed_; }
  std::size_t proposed_in(std::size_t t) const { return proposed_in_.at(t); }
  // Whether template t still has a valid point not proposed (always true for
  // one too large to enumerate).
  bool has_fresh(std::size_t t) const;
  // How many fresh points template t has left (an upper bound for one too large to enumerate).
  std::size_t fresh_count(std::size_t t) const;
  // Flat indices of the valid points of template t not yet proposed
  // (enumerable templates: all of them, ascending; else a sample).
  std::vector<std::size_t> fresh_flats(std::size_t t, SeededStream& draws) const;
  std::optional<Point> random_fresh(std::size_t t, SeededStream& draws) const;
  // Fresh one-knob steps from p within its template: to an adjacent value
  // index (adjacent), or to any other value index.
  std::vector<Point> fresh_neighbours(const Point& p, bool adjacent) const;

  // Outcomes of the generations told, in seq order; how many generations.
  const std::vector<Outcome>& told() const { return told_; }
  std::size_t generations() const { return generations_; }
  // The k best correct outcomes (finite cost, status ok), best first, ties by
  // seq; failures never become elites.
  std::vector<Outcome> elites(std::size_t k) const;
  std::optional<Outcome> best() const;

  // Engine side.
  void mark(const Point& p);
  void append(const std::vector<Outcome>& generation);
  // A saved log: every generation's outcomes, in seq order, and how many generations they were.
  void restore(const std::vector<Outcome>& told, std::size_t generations);

 private:
  StrategyContext ctx_;
  ValidPoints points_;
  std::set<Point> proposed_;
  std::vector<std::vector<char>> taken_;  // per enumerable template, per flat index: proposed
  std::vector<std::size_t> proposed_in_;  // per template
  std::vector<std::size_t> valid_proposed_in_;
  std::vector<Outcome> told_;
  std::size_t generations_ = 0;
};

// A generation being bred: a point is claimed (proposed) as it is added, so
// none is proposed twice.
class Brood {
 public:
  Brood(SearchLog& log, SeededStream& draws) : log_(log), draws_(draws) {}
  const SearchLog& log() const { return log_; }
  SeededStream& draws() { return draws_; }
  std::size_t size() const { return points_.size(); }
  const std::vector<Point>& points() const { return points_; }
  // False (and nothing added) when p is not fresh.
  bool add(const Point& p);
  // One random fresh point of template t; a template with no valid point at
  // all proposes one invalid point instead, once, so the log says why it never ran.
  bool add_random(std::size_t t);
  // Random points until the brood holds `upto` or the space runs out, as
  // random draws them: first one point of each template not yet tried, in
  // turn from the case's first variant; then uniform over the fresh points
  // of the whole space.
  void fill_random(std::size_t upto);

 private:
  SearchLog& log_;
  SeededStream& draws_;
  std::vector<Point> points_;
};

// How a strategy breeds and learns; the engine below does the rest.
class SearchModel {
 public:
  virtual ~SearchModel() = default;
  // Adds the next generation's points (none: the space is exhausted).
  virtual void breed(Brood& brood) = 0;
  // A generation's outcomes, in seq order, already appended to the log.
  virtual void learn(const SearchLog& log, const std::vector<Outcome>& generation) = 0;
  virtual nlohmann::json save() const = 0;
  // Throws std::runtime_error when the state is not one of this model's.
  virtual void load(const nlohmann::json& state) = 0;
};

// The Strategy a model runs in: generations, seqs, replay, save and load.
class GenerationalStrategy final : public Strategy {
 public:
  using MakeModel = std::function<std::unique_ptr<SearchModel>(const StrategyContext&)>;
  GenerationalStrategy(StrategyContext ctx, std::string name, MakeModel make);
  std::vector<Proposal> ask(std::size_t n) override;
  void tell(const std::vector<Outcome>& outcomes) override;
  nlohmann::json save() const override;
  void load(const nlohmann::json& state) override;

  const SearchLog& log() const { return log_; }
  const SearchModel& model() const { return *model_; }

 private:
  struct Slot {
    Point point;
    bool handed = false;
    std::optional<Outcome> outcome;
  };
  void open();               // breeds the next generation, takes the outcomes told ahead of it
  void settle();             // closes every generation fully told, in order
  void take(const Outcome& o);
  void learn_from(std::vector<Outcome> outcomes);
  StrategyContext ctx_;
  std::string name_;
  MakeModel make_;
  SearchLog log_;
  std::unique_ptr<SearchModel> model_;
  bool open_ = false;
  uint64_t base_ = 0;  // seq of the open generation's first point
  std::vector<Slot> gen_;
  std::map<uint64_t, Outcome> ahead_;  // told before their generation was bred
};

}  // namespace foundry
