#include "sft/splitter.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

#include "core/hash.hpp"
#include "sft/dedup.hpp"

namespace foundry::sft {

SplitBy parse_split_by(const std::string& s) {
  if (s == "template") return SplitBy::template_family;
  if (s == "op") return SplitBy::op;
  if (s == "example") return SplitBy::example;
  throw std::invalid_argument(fmt::format("--split-by {}: expected template, op or example", s));
}

std::string to_string(SplitBy b) {
  switch (b) {
    case SplitBy::template_family: return "template";
    case SplitBy::op: return "op";
    case SplitBy::example: return "example";
  }
  return "";
}

void check_fractions(const SplitOptions& o) {
  if (!(o.train_fraction > 0 && o.train_fraction < 1))
    throw std::invalid_argument(fmt::format("--train-fraction {}: must be in (0, 1)", o.train_fraction));
  if (!(o.valid_fraction > 0 && o.valid_fraction < 1))
    throw std::invalid_argument(fmt::format("--valid-fraction {}: must be in (0, 1)", o.valid_fraction));
  if (o.train_fraction + o.valid_fraction > 1 + 1e-12)
    throw std::invalid_argument(fmt::format("--train-fraction {} and --valid-fraction {} sum to more than 1",
                                            o.train_fraction, o.valid_fraction));
}

double test_fraction(const SplitOptions& o) {
  return std::max(0.0, std::round((1.0 - o.train_fraction - o.valid_fraction) * 1e9) / 1e9);
}

std::string group_key(const Example& e, SplitBy by) {
  switch (by) {
    case SplitBy::template_family: return e.family;
    case SplitBy::op: return e.op;
    case SplitBy::example: return content_key(e);
  }
  return "";
}

namespace {

std::string seeded(uint64_t seed, const std::string& what) { return sha256_hex(fmt::format("{}\x1f{}", seed, what)); }

struct Group {
  std::string key;
  std::vector<std::size_t> rows;
  int split = -1;
};

}  // namespace

SplitResult split_examples(const std::vector<Example>& examples, const SplitOptions& o) {
  check_fractions(o);
  SplitResult res;
  std::map<std::string, std::size_t> index;
  std::vector<Group> groups;
  for (std::size_t i = 0; i < examples.size(); ++i) {
    const std::string key = group_key(examples[i], o.by);
    const auto [it, fresh] = index.emplace(key, groups.size());
    if (fresh) groups.push_back({key, {}, -1});
    groups[it->second].rows.push_back(i);
  }
  // The seeded order groups are considered in.
  std::vector<std::size_t> order(groups.size());
  for (std::size_t g = 0; g < order.size(); ++g) order[g] = g;
  std::map<std::size_t, std::string> rank;
  for (std::size_t g : order) rank[g] = seeded(o.seed, groups[g].key);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return rank[a] < rank[b]; });

  const double n = static_cast<double>(examples.size());
  const double test_fraction = sft::test_fraction(o);
  const std::array<double, 3> fraction{o.train_fraction, o.valid_fraction, test_fraction};
  std::array<std::size_t, 3> count{}, target{};
  target[kValid] = static_cast<std::size_t>(std::llround(o.valid_fraction * n));
  target[kTest] = static_cast<std::size_t>(std::llround(test_fraction * n));
  const std::size_t total_groups = groups.size();
  std::size_t left = total_groups;

  // valid, then test: whole groups up to the target; at least one group each
  // when there are 3 or more, always leaving one for train (and for test).
  for (int s : {kValid, kTest}) {
    const bool must = total_groups >= 3 || (s == kValid && total_groups == 2);
    const std::size_t reserve = 1 + (s == kValid && total_groups >= 3 ? 1 : 0);
    while (left > reserve && (count[s] < target[s] || (must && res.groups[s] == 0))) {
      const std::size_t need = target[s] > count[s] ? target[s] - count[s] : 0;
      std::size_t pick = groups.size();
      for (std::size_t g : order)
        if (groups[g].split < 0 && groups[g].rows.size() <= need) {
          pick = g;
          break;
        }
      if (pick == groups.size()) {
        if (res.groups[s] > 0) break;
        for (std::size_t g : order)  // the smallest group left, so the split is not empty
          if (groups[g].split < 0 && (pick == groups.size() || groups[g].rows.size() < groups[pick].rows.size())) pick = g;
      }
      groups[pick].split = s;
      count[s] += groups[pick].rows.size();
      ++res.groups[s];
      --left;
    }
    if (must && target[s] == 0 && res.groups[s] > 0)
      res.notes.push_back(fmt::format("{}: its share ({} of {} rows) rounds to 0; given {} rows (one group) so that it is not empty",
                                      kSplitNames[s], fraction[s], examples.size(), count[s]));
    else if (count[s] > target[s] && target[s] > 0)
      res.notes.push_back(fmt::format("{}: {} rows for a share of {} (groups are kept whole)", kSplitNames[s], count[s], target[s]));
    else if (count[s] < target[s])
      res.notes.push_back(fmt::format("{}: {} rows for a share of {} (no whole group fitted the rest)", kSplitNames[s], count[s], target[s]));
  }
  for (auto& g : groups)
    if (g.split < 0) {
      g.split = kTrain;
      ++res.groups[kTrain];
    }
  if (total_groups < 3)
    res.notes.push_back(fmt::format("only {} group(s) under --split-by {}: {}", total_groups, to_string(o.by),
                                    total_groups == 2 ? "test is empty" : "valid and test are empty (mlx_lm needs a valid set)"));
  for (const auto& g : groups)
    for (std::size_t i : g.rows) res.rows[g.split].push_back(i);
  // Rows in a seeded order within each split.
  for (auto& rows : res.rows) {
    std::vector<std::pair<std::string, std::size_t>> keyed;
    for (std::size_t i : rows) keyed.emplace_back(seeded(o.seed, fmt::format("row {}", i)), i);
    std::sort(keyed.begin(), keyed.end());
    for (std::size_t k = 0; k < keyed.size(); ++k) rows[k] = keyed[k].second;
  }
  return res;
}

}  // namespace foundry::sft
