#include <gtest/gtest.h>

#include <cmath>

#include "op_checks.hpp"
#include "ops/registry.hpp"

using namespace foundry;

namespace {
const OpContract& gemm() { return Registry::instance().get("grouped_gemm"); }
}  // namespace

TEST(GroupedGemm, ReferenceMatchesHandWorkedCase) {
  // Row 0 uses w0 = [[1,2],[3,4]]; expert 1 has no rows; rows 1-2 use w2 = [[0,1],[1,0]].
  Case c{"grouped_gemm", DType::f32, {{"total_rows", 3}, {"experts", 3}, {"k_dim", 2}, {"n_dim", 2}}, {}, 1, 0};
  auto b = gemm().allocate(c);
  for (int i = 0; i < 6; ++i) b[0].set(i, i + 1.0);  // x rows [1,2] [3,4] [5,6]
  const double w[] = {1, 2, 3, 4, 100, 100, 100, 100, 0, 1, 1, 0};
  for (int i = 0; i < 12; ++i) b[1].set(i, w[i]);
  const int offsets[] = {0, 1, 1, 3};
  for (int e = 0; e < 4; ++e) b[2].set(e, offsets[e]);
  EXPECT_EQ(gemm().reference(c, b)[0], (std::vector<double>{7, 10, 4, 3, 6, 5}));
}

TEST(GroupedGemm, IdentityWeightsGiveX) {
  Case c{"grouped_gemm", DType::bf16, {{"total_rows", 50}, {"experts", 5}, {"k_dim", 16}, {"n_dim", 16}}, {}, 4, 1};
  auto b = gemm().allocate(c);
  gemm().generate(c, b);
  for (std::size_t i = 0; i < b[1].numel(); ++i) b[1].set(i, (i % 256) / 16 == i % 16 ? 1.0 : 0.0);
  const auto y = gemm().reference(c, b)[0];
  for (std::size_t i = 0; i < y.size(); ++i) EXPECT_EQ(y[i], b[0].get(i));
}

TEST(GroupedGemm, OffsetsAreNondecreasingWithEmptyGroups) {
  Case c{"grouped_gemm", DType::f32, {{"total_rows", 1024}, {"experts", 64}, {"k_dim", 1}, {"n_dim", 1}}, {}, 8, 0};
  auto b = gemm().allocate(c);
  gemm().generate(c, b);
  EXPECT_EQ(b[2].get(0), 0);
  EXPECT_EQ(b[2].get(64), 1024);
  int empty = 0;
  for (int e = 0; e < 64; ++e) {
    ASSERT_LE(b[2].get(e), b[2].get(e + 1));
    empty += b[2].get(e) == b[2].get(e + 1);
  }
  EXPECT_GT(empty, 0);
}

TEST(GroupedGemm, TrafficCountsOnlyUsedExperts) {
  // One row uses one expert's weights, whichever it is.
  Case c{"grouped_gemm", DType::f16, {{"total_rows", 1}, {"experts", 8}, {"k_dim", 64}, {"n_dim", 32}}, {}, 3, 0};
  const auto t = gemm().traffic(c);
  EXPECT_EQ(t.bytes, 64 * 2 + 64 * 32 * 2 + 9 * 4 + 32 * 2);
  EXPECT_EQ(t.flops, 2.0 * 64 * 32);
}

TEST(GroupedGemm, CompareAcceptsF32AccumulationAtEveryScale) {
  // A float32 accumulation of the prefill-like depth passes for every dtype and
  // magnitude; an error ten times the base tolerance fails.
  for (DType d : all_dtypes())
    for (int test = 0; test < 3; ++test) {
      Case c{"grouped_gemm", d, {{"total_rows", 48}, {"experts", 4}, {"k_dim", 1024}, {"n_dim", 40}}, {}, 9, test};
      auto b = gemm().allocate(c);
      gemm().generate(c, b);
      const auto ref = gemm().reference(c, b);
      for (int e = 0; e < 4; ++e)
        for (auto row = static_cast<int>(b[2].get(e)); row < b[2].get(e + 1); ++row)
          for (int n = 0; n < 40; ++n) {
            float acc = 0;
            for (int k = 0; k < 1024; ++k)
              acc += static_cast<float>(b[0].get(row * 1024 + k)) * static_cast<float>(b[1].get((e * 1024 + k) * 40 + n));
            b[3].set(row * 40 + n, acc);
          }
      EXPECT_EQ(gemm().compare(c, b, ref).status, Status::ok) << to_string(d) << " test " << test;
      const double base = gemm().tolerance(d, gemm().buffers[3]).atol;
      b[3].set(0, ref[0][0] + 10 * base * (magnitude_for_test(test) + std::fabs(ref[0][0])));
      EXPECT_EQ(gemm().compare(c, b, ref).status, Status::mismatch) << to_string(d) << " test " << test;
    }
}

TEST(GroupedGemm, GeneratorIsDeterministicPerSeed) {
  op_checks::expect_deterministic(gemm(), {"grouped_gemm", DType::f16, {{"total_rows", 33}, {"experts", 5}, {"k_dim", 3}, {"n_dim", 7}}, {}, 42, 1});
}

TEST(GroupedGemm, ShapesFit) { op_checks::expect_shapes_fit(gemm()); }
