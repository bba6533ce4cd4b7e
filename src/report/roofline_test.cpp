#include "report/roofline.hpp"

#include <gtest/gtest.h>

#include "report_helpers.hpp"

namespace foundry::report {
namespace {

using foundry_test::hand_record;

TEST(ReportRoofline, OnePointPerCaseBestAgainstTheCopyBandwidthAndThePeak) {
  std::vector<Record> rs{hand_record("a", "t", Status::ok, 4), hand_record("b", "t", Status::ok, 2),
                         hand_record("c", "t", Status::ok, 1)};
  rs[2].shape["rows"] = 16;
  rs[2].bench.flops = 0;  // a copy: no floating-point work
  rs[2].bench.gflops = 0;
  auto other = hand_record("d", "t", Status::ok, 1);
  other.env.device = "another cpu";
  other.env.copy_gbps = 40;
  rs.push_back(other);
  const auto cases = summarize_cases(rs, {});
  const auto roofs = rooflines(cases, std::nullopt);
  ASSERT_EQ(roofs.size(), 2u) << "one per device";
  const Roofline& r = roofs[0];
  EXPECT_EQ(r.copy_gbps, 20);
  ASSERT_EQ(r.points.size(), 2u);
  EXPECT_EQ(r.points[0].best->id, "b");
  EXPECT_DOUBLE_EQ(r.points[0].gbps, *rs[1].bench.gbps);
  EXPECT_DOUBLE_EQ(r.points[0].pct_of_copy, *rs[1].bench.pct_of_copy);
  ASSERT_TRUE(r.points[0].intensity);
  EXPECT_DOUBLE_EQ(*r.points[0].intensity, 0.5);
  EXPECT_FALSE(r.points[1].gflops) << "no flops, no place on the compute axis";
  EXPECT_FALSE(r.peak_given);
  EXPECT_DOUBLE_EQ(r.peak_gflops, *rs[1].bench.gflops) << "the highest observed";
  EXPECT_EQ(roofs[1].copy_gbps, 40);

  const auto given = rooflines(cases, 1000.0);
  EXPECT_TRUE(given[0].peak_given);
  EXPECT_EQ(given[0].peak_gflops, 1000);
  EXPECT_EQ(to_json(given[0])["peak"], "given");
}

}  // namespace
}  // namespace foundry::report
