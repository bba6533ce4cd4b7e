#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "op_checks.hpp"
#include "ops/registry.hpp"

using namespace foundry;

namespace {
const OpContract& topk() { return Registry::instance().get("topk"); }

// A hand-built kernel output for a one-row case.
std::vector<HostBuffer> with_output(const Case& c, const std::vector<double>& x, const std::vector<double>& values,
                                    const std::vector<double>& indices) {
  auto b = topk().allocate(c);
  for (std::size_t i = 0; i < x.size(); ++i) b[0].set(i, x[i]);
  for (std::size_t i = 0; i < values.size(); ++i) {
    b[1].set(i, values[i]);
    b[2].set(i, indices[i]);
  }
  return b;
}
}  // namespace

TEST(TopK, ReferenceMatchesHandWorkedCase) {
  Case c{"topk", DType::f32, {{"rows", 2}, {"cols", 4}, {"k", 2}}, {}, 1, 0};
  auto b = topk().allocate(c);
  const double x[] = {1, 5, 3, 4, -1, -3, -2, -0.5};
  for (int i = 0; i < 8; ++i) b[0].set(i, x[i]);
  const auto ref = topk().reference(c, b);
  EXPECT_EQ(ref[0], (std::vector<double>{5, 4, -0.5, -1}));
  EXPECT_EQ(ref[1], (std::vector<double>{1, 3, 3, 0}));
}

TEST(TopK, GeneratedRowsAreDistinctInEveryDtype) {
  for (DType d : all_dtypes())
    for (int test = 0; test < 3; ++test) {
      Case c{"topk", d, {{"rows", 6}, {"cols", 1031}, {"k", 50}}, {}, 11, test};
      auto b = topk().allocate(c);
      topk().generate(c, b);
      bool negative_row = false, nonnegative_row = false;
      for (int r = 0; r < 6; ++r) {
        std::set<double> row;
        for (int j = 0; j < 1031; ++j) {
          ASSERT_TRUE(std::isfinite(b[0].get(r * 1031 + j)));
          row.insert(b[0].get(r * 1031 + j));
        }
        EXPECT_EQ(row.size(), 1031u) << to_string(d) << " test " << test << " row " << r;
        negative_row |= *row.rbegin() < 0;
        nonnegative_row |= *row.begin() >= 0;
      }
      EXPECT_TRUE(negative_row && nonnegative_row);
    }
}

TEST(TopK, ValuesAreSortedAndTheLargest) {
  Case c{"topk", DType::bf16, {{"rows", 5}, {"cols", 257}, {"k", 7}}, {}, 3, 1};
  auto b = topk().allocate(c);
  topk().generate(c, b);
  const auto ref = topk().reference(c, b);
  for (int r = 0; r < 5; ++r) {
    std::vector<double> row(257);
    for (int j = 0; j < 257; ++j) row[j] = b[0].get(r * 257 + j);
    std::sort(row.rbegin(), row.rend());
    for (int j = 0; j < 7; ++j) {
      EXPECT_EQ(ref[0][r * 7 + j], row[j]);
      EXPECT_EQ(b[0].get(r * 257 + static_cast<int>(ref[1][r * 7 + j])), row[j]);
    }
  }
}

TEST(TopK, CompareAcceptsAnyOrderAmongTies) {
  Case c{"topk", DType::f32, {{"rows", 1}, {"cols", 4}, {"k", 2}}, {}, 1, 0};
  const std::vector<double> x{2, 7, 7, 1};
  const auto ref = topk().reference(c, with_output(c, x, {}, {}));
  ASSERT_EQ(ref[1], (std::vector<double>{1, 2}));
  EXPECT_EQ(topk().compare(c, with_output(c, x, {7, 7}, {1, 2}), ref).status, Status::ok);
  EXPECT_EQ(topk().compare(c, with_output(c, x, {7, 7}, {2, 1}), ref).status, Status::ok);
}

TEST(TopK, CompareRejectsWrongOutputs) {
  Case c{"topk", DType::f32, {{"rows", 1}, {"cols", 4}, {"k", 2}}, {}, 1, 0};
  const std::vector<double> x{2, 7, 7, 1};
  const auto ref = topk().reference(c, with_output(c, x, {}, {}));
  auto check = [&](std::vector<double> values, std::vector<double> indices) {
    return topk().compare(c, with_output(c, x, values, indices), ref).status;
  };
  EXPECT_EQ(check({7, 2}, {1, 0}), Status::mismatch);  // not the two largest
  EXPECT_EQ(check({7, 7}, {1, 1}), Status::mismatch);  // one element twice
  EXPECT_EQ(check({7, 7}, {1, 0}), Status::mismatch);  // index of a different value
  EXPECT_EQ(check({7, 7}, {1, 4}), Status::mismatch);  // index out of range
  EXPECT_EQ(check({7, 7.0001}, {1, 2}), Status::mismatch);  // values are copies, so exact

  auto b = with_output(c, x, {7, 7}, {1, 2});
  b[2].fill_bits(poison_bits(Elem::i32));
  EXPECT_EQ(topk().compare(c, b, ref).status, Status::unwritten);
  b = with_output(c, x, {7, 7}, {1, 2});
  b[1].set(1, INFINITY);
  EXPECT_EQ(topk().compare(c, b, ref).status, Status::nonfinite);
  b[1].fill_bits(poison_bits(Elem::f32));
  EXPECT_EQ(topk().compare(c, b, ref).status, Status::unwritten);
}

TEST(TopK, GeneratorIsDeterministicPerSeed) {
  op_checks::expect_deterministic(topk(), {"topk", DType::f16, {{"rows", 4}, {"cols", 33}, {"k", 3}}, {}, 42, 2});
}

TEST(TopK, ShapesFit) {
  op_checks::expect_shapes_fit(topk());
  for (Regime r : all_regimes())
    for (const auto& s : topk().shapes(r)) EXPECT_LE(s.at("k"), s.at("cols"));
}
