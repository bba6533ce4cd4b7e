// `random`: uniform sampling without replacement. First one random point of
// each template, templates in turn from the op-wide number of the case's first
// variant (so an op's budget tries all its templates, and a small plain
// template is never drowned by a large one); then every other point of every
// template in one seeded permutation, so a case's search is uniform over its
// whole space. Points that break a constraint at the case's shape are
// skipped; a template with no valid point at all proposes one invalid point,
// so the log says why it was never run. Proposal k is a function of (seed,
// op, case, k) alone.
#pragma once
#include <deque>
#include <set>
#include <vector>

#include "run/strategy.hpp"

namespace foundry {

class RandomStrategy final : public Strategy {
 public:
  explicit RandomStrategy(StrategyContext ctx);
  std::vector<Proposal> ask(std::size_t n) override;
  void tell(const std::vector<Outcome>& outcomes) override;
  nlohmann::json save() const override;
  void load(const nlohmann::json& state) override;

 private:
  void open();
  // Extends order_ to hold at least n points; false when the space runs out first.
  bool generate(std::size_t n);
  StrategyContext ctx_;
  bool opened_ = false;
  std::set<Point> taken_;               // the first point of each template
  std::vector<std::size_t> offsets_;    // end of each template's points in the flat numbering
  std::vector<std::size_t> all_;        // every point of every template, shuffled
  std::size_t cursor_ = 0;
  std::vector<Point> order_;   // proposal k is order_[k]
  uint64_t next_ = 0;          // proposals made (or told) so far
  std::deque<uint64_t> owed_;  // seqs skipped over by a replay, proposed again first
};

}  // namespace foundry
