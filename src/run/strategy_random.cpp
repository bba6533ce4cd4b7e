#include "run/strategy_random.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "run/case_schedule.hpp"

namespace foundry {

RandomStrategy::RandomStrategy(StrategyContext ctx) : ctx_(std::move(ctx)) {
  lanes_.resize(ctx_.space->templates());
  if (!lanes_.empty()) turn_ = static_cast<std::size_t>(ctx_.first) % lanes_.size();
}

bool RandomStrategy::generate(std::size_t n) {
  const SearchSpace& space = *ctx_.space;
  while (order_.size() < n) {
    bool found = false;
    for (std::size_t tries = 0; tries < lanes_.size() && !found; ++tries) {
      const std::size_t t = turn_++ % lanes_.size();
      Lane& lane = lanes_[t];
      if (lane.done) continue;
      if (lane.perm.empty()) {
        lane.perm.resize(space.size(t));
        std::iota(lane.perm.begin(), lane.perm.end(), std::size_t{0});
        SeededStream draws(ctx_.seed, ctx_.stream + "/" + space.tmpl(t).id);
        for (std::size_t i = lane.perm.size(); i > 1; --i) std::swap(lane.perm[i - 1], lane.perm[draws.below(i)]);
      }
      while (lane.cursor < lane.perm.size()) {
        Point p = space.at(t, lane.perm[lane.cursor++]);
        if (space.violated(p, ctx_.shape).empty()) {
          order_.push_back(std::move(p));
          lane.proposed = found = true;
          break;
        }
      }
      if (lane.cursor == lane.perm.size()) {
        lane.done = true;
        if (!found && !lane.proposed) {  // nothing valid: one invalid point records why
          order_.push_back(space.at(t, lane.perm.front()));
          lane.proposed = found = true;
        }
      }
    }
    if (!found) return false;
  }
  return true;
}

std::vector<Proposal> RandomStrategy::ask(std::size_t n) {
  std::vector<Proposal> out;
  while (out.size() < n && !owed_.empty()) {
    const uint64_t s = owed_.front();
    owed_.pop_front();
    generate(s + 1);
    out.push_back({s, order_.at(s)});
  }
  while (out.size() < n && generate(next_ + 1)) {
    out.push_back({next_, order_[next_]});
    ++next_;
  }
  return out;
}

void RandomStrategy::tell(const std::vector<Outcome>& outcomes) {
  for (const auto& o : outcomes) {
    for (; next_ < o.seq; ++next_) owed_.push_back(next_);
    if (o.seq == next_) ++next_;
    owed_.erase(std::remove(owed_.begin(), owed_.end(), o.seq), owed_.end());
  }
}

nlohmann::json RandomStrategy::save() const {
  // `first` as it was: a later run with another budget continues the same order.
  return {{"first", ctx_.first}, {"next", next_}, {"owed", std::vector<uint64_t>(owed_.begin(), owed_.end())}};
}

void RandomStrategy::load(const nlohmann::json& state) {
  if (!state.is_object() || !state.contains("next") || !state["next"].is_number_unsigned() || !state.contains("owed") ||
      !state.contains("first"))
    throw std::runtime_error("random: saved state lacks first/next/owed");
  *this = RandomStrategy(StrategyContext{ctx_.space, ctx_.shape, ctx_.seed, ctx_.stream, state["first"].get<int>()});
  next_ = state["next"].get<uint64_t>();
  auto owed = state["owed"].get<std::vector<uint64_t>>();
  owed_.assign(owed.begin(), owed.end());
}

}  // namespace foundry
