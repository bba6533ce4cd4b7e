#include "sft/splitter.hpp"

#include <gtest/gtest.h>

#include <set>

#include <fmt/format.h>

#include "error_helpers.hpp"

namespace foundry::sft {
namespace {

// `per_family` examples of each of `families` templates of each of `ops` ops.
std::vector<Example> examples(int ops, int families, int per_family) {
  std::vector<Example> v;
  for (int o = 0; o < ops; ++o)
    for (int f = 0; f < families; ++f)
      for (int i = 0; i < per_family; ++i) {
        const std::string op = fmt::format("op{}", o);
        v.push_back({"session", op, fmt::format("{}/t{}", op, f), "sys", fmt::format("prompt {} {} {}", o, f, i),
                     fmt::format("answer {} {} {}", o, f, i), {}});
      }
  return v;
}

// The split of every group key; fails when a key is in two.
std::map<std::string, int> split_of_groups(const std::vector<Example>& ex, const SplitResult& r, SplitBy by) {
  std::map<std::string, int> where;
  for (int s = 0; s < 3; ++s)
    for (std::size_t i : r.rows[s]) {
      const auto [it, fresh] = where.emplace(group_key(ex[i], by), s);
      EXPECT_EQ(it->second, s) << group_key(ex[i], by) << " is in " << kSplitNames[it->second] << " and " << kSplitNames[s];
    }
  return where;
}

TEST(SftSplitter, NoTemplateFamilyAndNoOpSpansTwoSplitsAndEveryRowIsInOne) {
  const auto ex = examples(6, 4, 10);  // 240 rows, 24 families, 6 ops
  for (SplitBy by : {SplitBy::template_family, SplitBy::op, SplitBy::example}) {
    const SplitResult r = split_examples(ex, {0.8, 0.1, 7, by});
    split_of_groups(ex, r, by);
    std::multiset<std::size_t> all;
    for (const auto& rows : r.rows) all.insert(rows.begin(), rows.end());
    EXPECT_EQ(all.size(), ex.size());
    EXPECT_EQ(std::set<std::size_t>(all.begin(), all.end()).size(), ex.size());
    for (const auto& rows : r.rows) EXPECT_FALSE(rows.empty()) << to_string(by);
  }
  // By family, the shares are met to within one family of 10 rows.
  const SplitResult r = split_examples(ex, {0.8, 0.1, 7, SplitBy::template_family});
  EXPECT_NEAR(static_cast<double>(r.rows[kValid].size()), 24, 10);
  EXPECT_NEAR(static_cast<double>(r.rows[kTest].size()), 24, 10);
  EXPECT_EQ(r.groups[kTrain] + r.groups[kValid] + r.groups[kTest], 24u);
  // By example: shares exact to the row.
  const SplitResult e = split_examples(ex, {0.8, 0.1, 7, SplitBy::example});
  EXPECT_EQ(e.rows[kValid].size(), 24u);
  EXPECT_EQ(e.rows[kTest].size(), 24u);
}

TEST(SftSplitter, TheSameSeedGivesTheSameSplitAndAnotherSeedAnother) {
  const auto ex = examples(4, 5, 3);
  const SplitOptions o{0.7, 0.15, 3, SplitBy::template_family};
  EXPECT_EQ(split_examples(ex, o).rows, split_examples(ex, o).rows);
  bool differs = false;
  for (uint64_t seed = 4; seed < 10 && !differs; ++seed)
    differs = split_examples(ex, {0.7, 0.15, seed, SplitBy::template_family}).rows != split_examples(ex, o).rows;
  EXPECT_TRUE(differs);
}

TEST(SftSplitter, WithThreeGroupsValidAndTestAreNeverEmptyAndTheManifestNotesSaySo) {
  const auto ex = examples(3, 1, 20);  // 3 families of 20 rows: 3 % and 1 % round to 1 and 1 row, less than a family
  const SplitResult r = split_examples(ex, {0.96, 0.03, 1, SplitBy::template_family});
  EXPECT_EQ(r.groups[kTrain], 1u);
  EXPECT_EQ(r.groups[kValid], 1u);
  EXPECT_EQ(r.groups[kTest], 1u);
  EXPECT_EQ(r.notes.size(), 2u);
  for (const auto& n : r.notes) EXPECT_NE(n.find("groups are kept whole"), std::string::npos) << n;
  // A share that rounds to nothing still gets a group.
  const auto few = examples(1, 3, 1);
  const SplitResult f = split_examples(few, {0.96, 0.03, 1, SplitBy::template_family});
  EXPECT_EQ(f.rows[kValid].size(), 1u);
  EXPECT_EQ(f.rows[kTest].size(), 1u);
  ASSERT_EQ(f.notes.size(), 2u);
  EXPECT_NE(f.notes[0].find("valid: its share (0.03 of 3 rows) rounds to 0"), std::string::npos) << f.notes[0];
  EXPECT_NE(f.notes[1].find("test: its share (0.01 of 3 rows) rounds to 0"), std::string::npos) << f.notes[1];
}

TEST(SftSplitter, FewerThanThreeGroupsFillTrainThenValidAndSaySo) {
  const auto two = examples(2, 1, 5);
  const SplitResult r = split_examples(two, {0.96, 0.03, 1, SplitBy::op});
  EXPECT_EQ(r.rows[kTrain].size(), 5u);
  EXPECT_EQ(r.rows[kValid].size(), 5u);
  EXPECT_TRUE(r.rows[kTest].empty());
  EXPECT_NE(r.notes.back().find("only 2 group(s) under --split-by op: test is empty"), std::string::npos);
  const SplitResult one = split_examples(examples(1, 1, 5), {0.96, 0.03, 1, SplitBy::op});
  EXPECT_EQ(one.rows[kTrain].size(), 5u);
  EXPECT_NE(one.notes.back().find("valid and test are empty"), std::string::npos);
}

TEST(SftSplitter, FractionsOutsideTheUnitIntervalOrSummingOverOneAndUnknownPoliciesAreNamed) {
  using foundry_test::invalid_argument_of;
  EXPECT_EQ(invalid_argument_of([] { check_fractions({0, 0.5, 1, SplitBy::op}); }), "--train-fraction 0: must be in (0, 1)");
  EXPECT_EQ(invalid_argument_of([] { check_fractions({1, 0.5, 1, SplitBy::op}); }), "--train-fraction 1: must be in (0, 1)");
  EXPECT_EQ(invalid_argument_of([] { check_fractions({0.5, 1.5, 1, SplitBy::op}); }), "--valid-fraction 1.5: must be in (0, 1)");
  EXPECT_EQ(invalid_argument_of([] { check_fractions({0.9, 0.2, 1, SplitBy::op}); }),
            "--train-fraction 0.9 and --valid-fraction 0.2 sum to more than 1");
  EXPECT_EQ(invalid_argument_of([] { check_fractions({0.97, 0.03, 1, SplitBy::op}); }), "");
  EXPECT_EQ(invalid_argument_of([] { parse_split_by("family"); }), "--split-by family: expected template, op or example");
  EXPECT_EQ(parse_split_by("template"), SplitBy::template_family);
  EXPECT_DOUBLE_EQ(test_fraction({0.96, 0.03, 1, SplitBy::op}), 0.01);
}

}  // namespace
}  // namespace foundry::sft
