// Train / valid / test assignment by groups: with --split-by template no
// (op, template) family, with --split-by op no op, spans two splits
// (--split-by example: every example is its own group). Groups are taken in
// a seeded order; valid and test are filled to their share of the rows with
// whole groups, train takes the rest. With at least 3 groups valid and test
// are never empty (mlx_lm refuses an empty valid set); what had to give is
// said in the notes.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "sft/example.hpp"

namespace foundry::sft {

enum class SplitBy { template_family, op, example };
// "template", "op", "example"; throws std::invalid_argument naming --split-by otherwise.
SplitBy parse_split_by(const std::string& s);
std::string to_string(SplitBy b);

enum Split { kTrain = 0, kValid = 1, kTest = 2 };
inline constexpr std::array<const char*, 3> kSplitNames{"train", "valid", "test"};

struct SplitOptions {
  double train_fraction = 0.96;
  double valid_fraction = 0.03;  // test: what is left
  uint64_t seed = 1;
  SplitBy by = SplitBy::template_family;
};

// Throws std::invalid_argument naming the flag when a fraction is outside
// (0, 1) or the two sum to more than 1.
void check_fractions(const SplitOptions& o);

struct SplitResult {
  std::array<std::vector<std::size_t>, 3> rows;  // example indices of each split, in a seeded order
  std::array<std::size_t, 3> groups{};           // groups of each split
  std::vector<std::string> notes;                // what the share rules could not give, and why
};

// 1 - train - valid, rounded to 9 decimals (0.96 and 0.03 leave 0.01).
double test_fraction(const SplitOptions& o);

// The group an example belongs to under `by`.
std::string group_key(const Example& e, SplitBy by);

SplitResult split_examples(const std::vector<Example>& examples, const SplitOptions& o);

}  // namespace foundry::sft
