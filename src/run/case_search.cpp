#include "run/case_search.hpp"

#include <algorithm>

namespace foundry {

using nlohmann::json;

CaseSearch::CaseSearch(const ScheduledCase& sc, const SearchSpace& space, const StrategyRow& strategy, uint64_t seed,
                       const StrategyOptions& options)
    : case_(sc), space_(&space), strategy_name_(strategy.name), row_(&strategy) {
  ctx_ = StrategyContext{space_, case_.spec.shape, seed, case_.spec.key, case_.first, options};
  strategy_ = row_->make(ctx_);
}

void CaseSearch::rebuild(const std::vector<Outcome>& logged) {
  strategy_ = row_->make(ctx_);
  told_.clear();
  pending_.clear();
  reissue_.clear();
  if (!logged.empty()) strategy_->tell(logged);
  for (const auto& o : logged) {
    told_.insert(o.seq);
    if (!o.point.empty()) points_.insert(o.point);
  }
}

bool CaseSearch::restore(const json& saved, std::vector<Outcome> logged) {
  std::sort(logged.begin(), logged.end(), [](const Outcome& a, const Outcome& b) { return a.seq < b.seq; });
  bool usable = saved.is_object() && saved.contains("state") && saved.contains("told") && saved.contains("pending");
  if (usable) {
    try {
      strategy_->load(saved["state"]);
      told_ = saved["told"].get<std::set<uint64_t>>();
      pending_.clear();
      for (const auto& p : saved["pending"]) pending_[p.at(0).get<uint64_t>()] = p.at(1).get<Point>();
    } catch (const std::exception&) {
      usable = false;
    }
  }
  // Stale: the log holds an outcome the saved state neither told nor had in flight.
  for (const auto& o : logged)
    if (usable && !told_.count(o.seq) && !pending_.count(o.seq)) usable = false;
  if (!usable) {
    rebuild(logged);
    return false;
  }
  std::vector<Outcome> catch_up;
  for (const auto& o : logged) {
    if (pending_.count(o.seq)) catch_up.push_back(o);
    if (!o.point.empty()) points_.insert(o.point);
  }
  tell(catch_up);
  for (const auto& [seq, p] : pending_) reissue_.push_back(seq);
  return true;
}

int CaseSearch::unasked() const {
  return std::max(0, case_.budget - static_cast<int>(told_.size() + pending_.size()));
}

std::vector<Proposal> CaseSearch::ask() {
  std::vector<Proposal> out;
  for (; !reissue_.empty(); reissue_.pop_front()) out.push_back({reissue_.front(), pending_.at(reissue_.front())});
  const int n = unasked();
  if (n > 0 && !exhausted_) {
    auto fresh = strategy_->ask(static_cast<std::size_t>(n));
    // None while proposals are in flight: it waits for their outcomes. None with nothing in flight: done.
    if (fresh.empty() && pending_.empty()) exhausted_ = true;
    for (auto& p : fresh) {
      pending_[p.seq] = p.point;
      out.push_back(std::move(p));
    }
  }
  return out;
}

void CaseSearch::tell(const std::vector<Outcome>& outcomes) {
  if (outcomes.empty()) return;
  strategy_->tell(outcomes);
  for (const auto& o : outcomes) {
    told_.insert(o.seq);
    pending_.erase(o.seq);
    if (!o.point.empty()) points_.insert(o.point);
  }
}

json CaseSearch::save() const {
  json pending = json::array();
  for (const auto& [seq, p] : pending_) pending.push_back(json::array({seq, p}));
  return {{"state", strategy_->save()}, {"told", told_}, {"pending", pending}, {"budget", case_.budget}};
}

}  // namespace foundry
