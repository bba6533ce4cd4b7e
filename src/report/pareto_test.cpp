#include "report/pareto.hpp"

#include <gtest/gtest.h>

#include "report_helpers.hpp"

namespace foundry::report {
namespace {

using foundry_test::hand_record;

TEST(ReportPareto, TheFrontHoldsExactlyThePointsNoOtherDominates) {
  // (latency, ulp): the front is (1, 9), (2, 4), (5, 1), (7, 0).
  const std::vector<std::pair<double, double>> pts{{3, 4}, {1, 9}, {2, 4}, {5, 1}, {6, 1}, {7, 0}, {8, 0}, {2, 5}, {4, 9}};
  std::vector<Record> rs;
  for (std::size_t i = 0; i < pts.size(); ++i)
    rs.push_back(hand_record(std::to_string(i), "rmsnorm_simd", Status::ok, pts[i].first, pts[i].second));
  rs.push_back(hand_record("fail", "rmsnorm_simd", Status::mismatch, std::nullopt, 0));
  rs.push_back(hand_record("suspect", "rmsnorm_simd", Status::ok, 0.1, 0));
  rs.back().labels = {kSuspectLabel};
  auto other = hand_record("other", "rmsnorm_simd", Status::ok, 0.2, 0);
  other.shape["rows"] = 1;  // another case: never on this front
  rs.push_back(other);
  const auto cases = summarize_cases(rs, {});
  const auto fronts = pareto_fronts(cases);
  ASSERT_EQ(fronts.size(), 2u);
  const ParetoFront& f = fronts[0];
  EXPECT_EQ(f.error_measure, "max_ulp");
  ASSERT_EQ(f.points.size(), pts.size()) << "only trusted, timed variants of the case";
  std::vector<std::pair<double, double>> front;
  for (const auto& p : f.points) {
    bool dominated = false;
    for (const auto& q : f.points)
      dominated |= q.latency_us <= p.latency_us && q.error <= p.error && (q.latency_us < p.latency_us || q.error < p.error);
    EXPECT_EQ(p.on_front, !dominated) << p.latency_us << " " << p.error;
    if (p.on_front) front.push_back({p.latency_us, p.error});
  }
  EXPECT_EQ(front, (std::vector<std::pair<double, double>>{{1, 9}, {2, 4}, {5, 1}, {7, 0}}));
  EXPECT_EQ(f.front_size(), 4u);
  EXPECT_EQ(fronts[1].points.size(), 1u);
  EXPECT_TRUE(fronts[1].points[0].on_front);

  const auto j = to_json(f);
  EXPECT_EQ(j["front_size"], 4);
  EXPECT_EQ(j["points"][0]["resources"]["registers"], nullptr) << "the cpu records no registers";
}

TEST(ReportPareto, RelativeErrorWhereSomeVariantHasNoUlpAndResourcesAlongside) {
  std::vector<Record> rs{hand_record("a", "t", Status::ok, 1, 2), hand_record("b", "t", Status::ok, 2, 1)};
  rs[1].correctness.max_ulp.reset();
  rs[0].build.registers = 40;
  rs[0].build.spill_bytes = 0;
  rs[0].launch = Launch{64, 256, 1024};
  const auto cases = summarize_cases(rs, {});
  const auto fronts = pareto_fronts(cases);
  ASSERT_EQ(fronts.size(), 1u);
  EXPECT_EQ(fronts[0].error_measure, "max_rel_err");
  EXPECT_EQ(fronts[0].front_size(), 2u);
  const auto j = to_json(fronts[0].points[0]);
  EXPECT_EQ(j["resources"]["registers"], 40);
  EXPECT_EQ(j["resources"]["spill_bytes"], 0);
  EXPECT_EQ(j["resources"]["launch"]["threads"], 256);
}

}  // namespace
}  // namespace foundry::report
