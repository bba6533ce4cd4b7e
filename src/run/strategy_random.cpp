#include "run/strategy_random.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "run/case_schedule.hpp"

namespace foundry {

RandomStrategy::RandomStrategy(StrategyContext ctx) : ctx_(std::move(ctx)) {}

namespace {
// 0..n-1 in the order of a seeded Fisher-Yates shuffle.
std::vector<std::size_t> permutation(std::size_t n, uint64_t seed, const std::string& stream) {
  std::vector<std::size_t> p(n);
  std::iota(p.begin(), p.end(), std::size_t{0});
  SeededStream draws(seed, stream);
  for (std::size_t i = n; i > 1; --i) std::swap(p[i - 1], p[draws.below(i)]);
  return p;
}
}  // namespace

void RandomStrategy::open() {
  const SearchSpace& space = *ctx_.space;
  const std::size_t templates = space.templates();
  // First one point of each template, in turn from the case's first variant.
  for (std::size_t k = 0; k < templates; ++k) {
    const std::size_t t = (static_cast<std::size_t>(ctx_.first) + k) % templates;
    const auto perm = permutation(space.size(t), ctx_.seed, ctx_.stream + "/" + space.tmpl(t).id);
    Point pick = space.at(t, perm.front());  // nothing valid: this invalid point records why
    for (std::size_t flat : perm)
      if (Point p = space.at(t, flat); space.violated(p, ctx_.shape).empty()) {
        pick = std::move(p);
        break;
      }
    taken_.insert(pick);
    order_.push_back(std::move(pick));
  }
  // Then every other valid point of every template, uniformly.
  for (std::size_t t = 0; t < templates; ++t) offsets_.push_back((offsets_.empty() ? 0 : offsets_.back()) + space.size(t));
  all_ = permutation(offsets_.empty() ? 0 : offsets_.back(), ctx_.seed, ctx_.stream + "/all");
  opened_ = true;
}

bool RandomStrategy::generate(std::size_t n) {
  if (!opened_) open();
  const SearchSpace& space = *ctx_.space;
  while (order_.size() < n) {
    if (cursor_ >= all_.size()) return false;
    const std::size_t i = all_[cursor_++];
    const auto t = static_cast<std::size_t>(std::upper_bound(offsets_.begin(), offsets_.end(), i) - offsets_.begin());
    Point p = space.at(t, i - (t == 0 ? 0 : offsets_[t - 1]));
    if (taken_.count(p) || !space.violated(p, ctx_.shape).empty()) continue;
    order_.push_back(std::move(p));
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
  StrategyContext ctx = ctx_;
  ctx.first = state["first"].get<int>();
  *this = RandomStrategy(std::move(ctx));
  next_ = state["next"].get<uint64_t>();
  auto owed = state["owed"].get<std::vector<uint64_t>>();
  owed_.assign(owed.begin(), owed.end());
}

}  // namespace foundry
