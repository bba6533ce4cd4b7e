#include "report/coverage.hpp"

#include <gtest/gtest.h>

#include "report_helpers.hpp"

namespace foundry::report {
namespace {

using foundry_test::hand_record;

const CoverageRow& row(const std::vector<CoverageTable>& tables, const std::string& dim, const std::string& value) {
  for (const auto& t : tables)
    if (t.dimension == dim)
      for (const auto& r : t.rows)
        if (r.value == value) return r;
  throw std::runtime_error(dim + " " + value + " not found");
}

TEST(ReportCoverage, CountsAttemptsTrustedAndFailuresAlongEveryDimension) {
  std::vector<Record> rs{hand_record("a", "rmsnorm_rowloop", Status::ok, 10), hand_record("b", "rmsnorm_simd", Status::ok, 2),
                         hand_record("c", "rmsnorm_simd", Status::compile_error, std::nullopt),
                         hand_record("d", "rmsnorm_simd", Status::mismatch, std::nullopt),
                         hand_record("e", "rmsnorm_simd", Status::compile_error, std::nullopt)};
  rs[1].labels = {kSuspectLabel};
  rs[3].dtype = DType::bf16;
  rs[4].knobs["UNROLL"] = 8;
  const auto cases = summarize_cases(rs, {});
  const auto tables = coverage(rs, cases);
  std::vector<std::string> dims;
  for (const auto& t : tables) dims.push_back(t.dimension);
  EXPECT_EQ(dims, (std::vector<std::string>{"op", "kernel_class", "dtype", "regime", "case", "template", "knob"}));

  const auto& op = row(tables, "op", "rmsnorm");
  EXPECT_EQ(op.attempts, 5);
  EXPECT_EQ(op.trusted_ok, 1) << "the suspect one is ok but not trusted";
  EXPECT_EQ(op.by_status.at("ok"), 2);
  EXPECT_EQ(op.labels.at("suspect"), 1);
  EXPECT_EQ(op.failures(), (std::map<std::string, int>{{"compile_error", 2}, {"mismatch", 1}}));
  EXPECT_EQ(row(tables, "kernel_class", "A").attempts, 5);
  EXPECT_EQ(row(tables, "dtype", "bf16").attempts, 1);
  EXPECT_EQ(row(tables, "dtype", "f32").attempts, 4);
  EXPECT_EQ(row(tables, "regime", "decode").attempts, 5);
  EXPECT_EQ(row(tables, "template", "rmsnorm_simd").attempts, 4);
  EXPECT_EQ(row(tables, "template", "rmsnorm_rowloop").trusted_ok, 1);
  EXPECT_EQ(row(tables, "knob", "rmsnorm_simd UNROLL=4").attempts, 3);
  EXPECT_EQ(row(tables, "knob", "rmsnorm_simd UNROLL=8").failures().at("compile_error"), 1);
  EXPECT_EQ(row(tables, "case", "rmsnorm f32 decode cols=4096 rows=8 eps=1e-05").attempts, 4);
  EXPECT_EQ(row(tables, "case", "rmsnorm bf16 decode cols=4096 rows=8 eps=1e-05").attempts, 1);

  const auto j = to_json(tables.front());
  EXPECT_EQ(j["rows"][0]["failures"]["compile_error"], 2);
  EXPECT_EQ(j["rows"][0]["trusted_ok"], 1);
}

}  // namespace
}  // namespace foundry::report
