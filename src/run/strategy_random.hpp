// `random`: uniform sampling without replacement. Each template's points come
// in a seeded permutation, templates take turns (starting at the case's place
// the case's first variant has in the op, so an op's templates all get tried), points
// that break a constraint at the case's shape are skipped. A template with no
// valid point at all proposes one invalid point, so the log says why it was
// never run. Proposal k is a function of (seed, op, case, k) alone.
#pragma once
#include <deque>
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
  // Extends order_ to hold at least n points; false when the space runs out first.
  bool generate(std::size_t n);
  struct Lane {
    std::vector<std::size_t> perm;  // flat indices in seeded order (built on first use)
    std::size_t cursor = 0;
    bool proposed = false;
    bool done = false;
  };
  StrategyContext ctx_;
  std::vector<Lane> lanes_;
  std::size_t turn_ = 0;
  std::vector<Point> order_;   // proposal k is order_[k]
  uint64_t next_ = 0;          // proposals made (or told) so far
  std::deque<uint64_t> owed_;  // seqs skipped over by a replay, proposed again first
};

}  // namespace foundry
