#include "report/run_summary.hpp"

#include <gtest/gtest.h>

#include <regex>

#include "report_helpers.hpp"

namespace foundry::report {
namespace {

TEST(RunSummary, ARunEndsWithTheBestTrustedVariantPerOpAndRegimeFailuresAndTheReportCommand) {
  const auto& s = foundry_test::real_session();
  const std::string& out = s.output;
  const auto at = out.find("best trusted variant per op and regime");
  ASSERT_NE(at, std::string::npos) << out;
  const std::string summary = out.substr(at);
  // One line per (op, regime) recorded, naming a template of the op that has a trusted record.
  std::map<std::string, std::set<std::string>> trusted_templates;
  for (const auto& rec : foundry_test::read_records(s.dir))
    if (rec["status"] == "ok" && rec["labels"].empty()) trusted_templates[rec["op"]].insert(rec["template_id"]);
  ASSERT_EQ(trusted_templates.size(), 2u);
  for (const auto& [op, templates] : trusted_templates) {
    const auto line_at = summary.find("\n  " + op + " decode ");
    ASSERT_NE(line_at, std::string::npos) << summary;
    const std::string line = summary.substr(line_at + 1, summary.find('\n', line_at + 1) - line_at - 1);
    bool named = false;
    for (const auto& t : templates) named |= line.find(" " + t + " ") != std::string::npos;
    EXPECT_TRUE(named) << line;
    EXPECT_NE(line.find(" us "), std::string::npos) << line;
    EXPECT_NE(line.find("% of copy"), std::string::npos) << line;
  }
  EXPECT_NE(summary.find("failures by status: "), std::string::npos);
  EXPECT_NE(summary.find("next: foundry report " + s.dir.string() + "\n"), std::string::npos) << summary;
}

TEST(RunSummary, FailuresAreCountedByStatusAndACaseWithoutTrustedVariantsSaysSo) {
  std::vector<Record> rs{foundry_test::hand_record("a", "t", Status::compile_error, std::nullopt),
                         foundry_test::hand_record("b", "t", Status::mismatch, std::nullopt),
                         foundry_test::hand_record("c", "t", Status::compile_error, std::nullopt),
                         foundry_test::hand_record("d", "t", Status::ok, 1.0)};
  rs[3].labels = {kSuspectLabel};
  Analysis a;
  a.sessions.records = rs;
  a.cases = summarize_cases(a.sessions.records, {});
  const std::string text = run_summary_text(a, "runs/my session");
  EXPECT_TRUE(std::regex_search(text, std::regex("\n  rmsnorm +decode +- +no trusted variant in 1 case\\(s\\)\n"))) << text;
  EXPECT_NE(text.find("failures by status: compile_error=2 mismatch=1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ok but not trusted (suspect or sanitizer label): 1"), std::string::npos) << text;
  EXPECT_NE(text.find("next: foundry report 'runs/my session'"), std::string::npos) << text;
}

}  // namespace
}  // namespace foundry::report
