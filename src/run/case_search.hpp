// The search of one case by one strategy: its budget, the proposals in flight
// and those told, and the strategy's state. Saved after every ask and every
// tell, so a killed run continues with exactly the proposals it would have
// made; rebuilt by replaying the logged outcomes when the saved state is
// missing or does not account for every logged outcome.
#pragma once
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "run/case_schedule.hpp"
#include "run/strategy.hpp"

namespace foundry {

class CaseSearch {
 public:
  CaseSearch(const ScheduledCase& sc, const SearchSpace& space, const StrategyRow& strategy, uint64_t seed,
             const StrategyOptions& options = {});

  const ScheduledCase& scheduled() const { return case_; }
  const SearchSpace& space() const { return *space_; }
  const std::string& strategy_name() const { return strategy_name_; }

  // `saved`: this search's entry of the state file (null when none);
  // `logged`: the outcomes the log holds for it. Returns false when the state
  // had to be rebuilt from the log.
  bool restore(const nlohmann::json& saved, std::vector<Outcome> logged);

  // Proposals a previous run made and did not finish, then new ones from the
  // strategy, up to the budget left. Empty once done.
  std::vector<Proposal> ask();
  void tell(const std::vector<Outcome>& outcomes);
  nlohmann::json save() const;

  int told() const { return static_cast<int>(told_.size()); }
  // Budget not yet asked for (nor told).
  int unasked() const;
  // The strategy had nothing more to propose.
  bool exhausted() const { return exhausted_; }
  // The points of the outcomes told (this run's and the logged ones).
  const std::set<Point>& points_told() const { return points_; }

 private:
  void rebuild(const std::vector<Outcome>& logged);
  ScheduledCase case_;
  const SearchSpace* space_;
  std::string strategy_name_;
  StrategyContext ctx_;
  const StrategyRow* row_;
  std::unique_ptr<Strategy> strategy_;
  std::set<uint64_t> told_;
  std::map<uint64_t, Point> pending_;  // asked, not told
  std::deque<uint64_t> reissue_;       // pending from a previous run, not yet handed out
  std::set<Point> points_;
  bool exhausted_ = false;
};

}  // namespace foundry
