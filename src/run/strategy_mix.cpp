#include "run/strategy_mix.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "run/strategy_anneal.hpp"
#include "run/strategy_cem.hpp"
#include "run/strategy_mutation.hpp"

namespace foundry {

using nlohmann::json;

MixModel::MixModel(const StrategyContext& ctx) {
  arms_.push_back({"mutation", std::make_unique<MutationModel>(ctx)});
  arms_.push_back({"cem", std::make_unique<CemModel>(ctx)});
  arms_.push_back({"anneal", std::make_unique<AnnealModel>(ctx)});
}

std::size_t MixModel::choose() const {
  std::size_t total = 0;
  double scale = 0;
  for (std::size_t a = 0; a < arms_.size(); ++a) {
    if (arms_[a].pulls == 0) return a;
    total += arms_[a].pulls;
    scale = std::max(scale, arms_[a].gain);
  }
  scale = std::max(scale, 1e-12);
  std::size_t best = 0;
  double best_score = -1;
  for (std::size_t a = 0; a < arms_.size(); ++a) {
    const double score = arms_[a].gain + scale * std::sqrt(2 * std::log(static_cast<double>(total)) / arms_[a].pulls);
    if (score > best_score) {
      best_score = score;
      best = a;
    }
  }
  return best;
}

void MixModel::breed(Brood& brood) {
  const auto best = brood.log().best();
  before_ = best ? best->cost : std::numeric_limits<double>::infinity();
  const std::size_t first = choose();
  // An arm that has nothing to breed passes the generation on (in practice
  // they all run out together: each falls back to random points).
  for (std::size_t i = 0; i < arms_.size() && brood.size() == 0; ++i) {
    const std::size_t a = (first + i) % arms_.size();
    arms_[a].model->breed(brood);
    current_ = static_cast<int>(a);
  }
  if (brood.size() == 0) {
    current_ = -1;
    return;
  }
  ++arms_[current_].pulls;
  size_ = brood.size();
}

void MixModel::learn(const SearchLog& log, const std::vector<Outcome>& generation) {
  for (auto& arm : arms_) arm.model->learn(log, generation);
  if (current_ < 0) return;
  Arm& arm = arms_[current_];
  current_ = -1;
  const auto best = log.best();
  if (!std::isfinite(before_) || !best) return;  // nothing to improve on yet
  const double g = (before_ - best->cost) / before_ / static_cast<double>(std::max<std::size_t>(1, size_));
  arm.gain += 0.5 * (g - arm.gain);
}

json MixModel::save() const {
  json arms = json::array();
  for (const auto& a : arms_)
    arms.push_back({{"name", a.name}, {"model", a.model->save()}, {"pulls", a.pulls}, {"gain", a.gain}});
  return {{"arms", arms},
          {"current", current_},
          {"before", std::isfinite(before_) ? json(before_) : json()},
          {"size", size_}};
}

void MixModel::load(const json& state) {
  if (!state.is_object() || !state.contains("arms") || !state["arms"].is_array() || state["arms"].size() != arms_.size())
    throw std::runtime_error("mix: saved state lacks its arms");
  for (std::size_t a = 0; a < arms_.size(); ++a)
    if (state["arms"][a].value("name", "") != arms_[a].name) throw std::runtime_error("mix: saved arms differ");
  for (std::size_t a = 0; a < arms_.size(); ++a) {
    const json& j = state["arms"][a];
    arms_[a].model->load(j.at("model"));
    arms_[a].pulls = j.at("pulls").get<std::size_t>();
    arms_[a].gain = j.at("gain").get<double>();
  }
  current_ = state.at("current").get<int>();
  before_ = state.at("before").is_null() ? std::numeric_limits<double>::infinity() : state["before"].get<double>();
  size_ = state.at("size").get<std::size_t>();
}

}  // namespace foundry
