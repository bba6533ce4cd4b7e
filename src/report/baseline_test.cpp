#include "report/baseline.hpp"

#include <gtest/gtest.h>

#include <set>

#include "report_helpers.hpp"

namespace foundry::report {
namespace {

TEST(ReportBaseline, EveryShippedOpHasOnePlainTemplatePerBackend) {
  const auto templates = discover_templates(std::filesystem::path(FOUNDRY_SOURCE_DIR) / "templates");
  ASSERT_FALSE(templates.empty());
  const Baselines b = find_baselines({}, templates);
  std::set<std::pair<std::string, std::string>> op_backends;
  for (const auto& t : templates) op_backends.insert({t.op, t.backend});
  for (const auto& key : op_backends) {
    auto it = b.find(key);
    ASSERT_NE(it, b.end()) << key.first << " on " << key.second << " has no plain template";
    const KernelTemplate* t = nullptr;
    for (const auto& x : templates)
      if (x.id == it->second && x.op == key.first && x.backend == key.second) t = &x;
    ASSERT_NE(t, nullptr) << it->second;
    // cuda names its plain templates so; the cpu ones say so in their summary.
    if (key.second == "cuda") EXPECT_EQ(t->id.substr(t->id.size() - 6), "_plain") << t->id;
    else EXPECT_EQ(t->summary.substr(0, 5), "plain") << t->id << ": " << t->summary;
  }
}

TEST(ReportBaseline, AnIdEndingInPlainWinsOverASummaryAndRecordsAloneName_plainTemplates) {
  KernelTemplate described, named;
  described.id = "x_rowloop";
  described.op = named.op = "x";
  described.backend = named.backend = "cpu";
  described.summary = "Plain loops";
  named.id = "x_plain";
  named.summary = "the first one";
  EXPECT_EQ((find_baselines({}, {described, named})[{"x", "cpu"}]), "x_plain");
  EXPECT_EQ((find_baselines({}, {described})[{"x", "cpu"}]), "x_rowloop");
  auto r = foundry_test::hand_record("1", "rmsnorm_plain", Status::ok, 1.0);
  r.backend = "cuda";
  const auto from_records = find_baselines({r}, {});
  EXPECT_EQ(from_records.size(), 1u);
  EXPECT_EQ((from_records.at({"rmsnorm", "cuda"})), "rmsnorm_plain");
  EXPECT_TRUE(templates_or_none("/nonexistent/templates").empty());
}

}  // namespace
}  // namespace foundry::report
