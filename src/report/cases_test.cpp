#include "report/cases.hpp"

#include <gtest/gtest.h>

#include "report_helpers.hpp"

namespace foundry::report {
namespace {

using foundry_test::hand_record;

const Baselines kBaselines{{{"rmsnorm", "cpu"}, "rmsnorm_rowloop"}};

TEST(ReportCases, BestIsTheLowestCostOfTrustedVariantsOnlyAndSpeedUpIsOverThePlainTemplate) {
  std::vector<Record> rs{hand_record("a", "rmsnorm_rowloop", Status::ok, 10), hand_record("b", "rmsnorm_rowloop", Status::ok, 8),
                         hand_record("c", "rmsnorm_simd", Status::ok, 4), hand_record("d", "rmsnorm_simd", Status::ok, 1),
                         hand_record("e", "rmsnorm_simd", Status::mismatch, std::nullopt),
                         hand_record("f", "rmsnorm_simd", Status::ok, 0.5)};
  rs[3].labels = {kSuspectLabel};
  rs[5].labels = {kSanitizerLabel};
  const auto cases = summarize_cases(rs, kBaselines);
  ASSERT_EQ(cases.size(), 1u);
  const CaseSummary& c = cases[0];
  EXPECT_EQ(c.records.size(), 6u);
  EXPECT_EQ(c.trusted, 3u) << "ok but suspect or sanitizer is not trusted";
  ASSERT_NE(c.best, nullptr);
  EXPECT_EQ(c.best->id, "c") << "labelled variants are faster but never best";
  ASSERT_NE(c.plain_best, nullptr);
  EXPECT_EQ(c.plain_best->id, "b");
  ASSERT_TRUE(c.speedup());
  EXPECT_DOUBLE_EQ(*c.speedup(), 8.0 / 4.0);
  EXPECT_FALSE(c.speedup_of(rs[4])) << "a failure has no speed-up";
  EXPECT_FALSE(c.speedup_of(rs[3])) << "nor an untrusted variant";
  EXPECT_DOUBLE_EQ(*c.speedup_of(rs[0]), 0.8);
  EXPECT_EQ(c.label(), "rmsnorm f32 decode cols=4096 rows=8 eps=1e-05");
}

TEST(ReportCases, CasesSplitByShapeParamsDtypeAndDeviceButNotBySeed) {
  std::vector<Record> rs(5, hand_record("a", "rmsnorm_simd", Status::ok, 3));
  rs[1].shape["rows"] = 16;
  rs[2].params["eps"] = 1e-6;
  rs[3].env.device = "another cpu";
  rs[4].input_seed = 99;  // another run's seed: the same case
  const auto cases = summarize_cases(rs, kBaselines);
  ASSERT_EQ(cases.size(), 4u);
  EXPECT_EQ(cases[0].records.size(), 2u);
  for (const auto& c : cases) {
    EXPECT_FALSE(c.speedup()) << "no timed plain variant";
    EXPECT_EQ(c.plain_template, "rmsnorm_rowloop");
  }
  const auto none = summarize_cases(rs, {});
  EXPECT_TRUE(none[0].plain_template.empty());
  EXPECT_FALSE(none[0].speedup());
}

}  // namespace
}  // namespace foundry::report
