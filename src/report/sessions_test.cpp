#include "report/sessions.hpp"

#include <gtest/gtest.h>

#include <set>

#include "error_helpers.hpp"
#include "report_helpers.hpp"
#include "run/session.hpp"

namespace foundry::report {
namespace {

using foundry_test::invalid_argument_of;
namespace fs = std::filesystem;

TEST(ReportSessions, OverlappingSessionsMergeEveryIdOnce) {
  const auto& a = foundry_test::real_session();
  const auto& b = foundry_test::overlapping_session();
  const auto ra = read_session_records(a.dir), rb = read_session_records(b.dir);
  ASSERT_FALSE(ra.empty());
  ASSERT_FALSE(rb.empty());
  std::set<std::string> ids;
  std::size_t shared = 0;
  for (const auto& r : ra) ids.insert(r.id);
  for (const auto& r : rb) shared += ids.count(r.id), ids.insert(r.id);
  ASSERT_GT(shared, 0u) << "the two runs share a seed, so rmsnorm's first proposals are the same variants";

  const auto s = load_sessions({a.dir, b.dir});
  EXPECT_EQ(s.records.size(), ids.size());
  EXPECT_EQ(s.duplicates, shared);
  std::set<std::string> seen;
  for (std::size_t i = 0; i < s.records.size(); ++i) {
    EXPECT_TRUE(seen.insert(s.records[i].id).second) << s.records[i].id << " counted twice";
    // A record shared by both sessions comes from the first one given.
    EXPECT_EQ(s.dir_of(i), i < ra.size() ? a.dir : b.dir);
  }
  const auto reversed = load_sessions({b.dir, a.dir});
  EXPECT_EQ(reversed.records.size(), ids.size());
  EXPECT_EQ(reversed.duplicates, shared);
}

TEST(ReportSessions, BadSessionsAreRefusedNamingTheDirectory) {
  const fs::path d = foundry_test::scratch_dir("bad");
  EXPECT_NE(invalid_argument_of([&] { load_sessions({d / "missing"}); }).find("missing: no such directory"), std::string::npos);

  fs::create_directories(d / "foreign");
  std::ofstream(d / "foreign" / "attempts.ndjson") << "{\"hello\": 1}\n";
  const auto foreign = invalid_argument_of([&] { load_sessions({d / "foreign"}); });
  EXPECT_NE(foreign.find("foreign: not a foundry session"), std::string::npos) << foreign;

  fs::create_directories(d / "old");
  std::ofstream(d / "old" / "session.json") << "{\"record_schema\": 2}\n";
  std::ofstream(d / "old" / "attempts.ndjson") << "";
  const auto old = invalid_argument_of([&] { load_sessions({d / "old"}); });
  EXPECT_NE(old.find("record schema 2"), std::string::npos) << old;

  // A session.json of this schema over a log that holds something else: the reader names the line.
  fs::create_directories(d / "torn");
  std::ofstream(d / "torn" / "session.json") << fmt::format("{{\"record_schema\": {}}}\n", kRecordSchema);
  std::ofstream(d / "torn" / "attempts.ndjson") << "{\"schema\": 3}\n{}\n";
  const auto torn = invalid_argument_of([&] { load_sessions({d / "torn"}); });
  EXPECT_NE(torn.find("attempts.ndjson line 1"), std::string::npos) << torn;

  const auto& real = foundry_test::real_session();
  const auto twice = invalid_argument_of([&] { load_sessions({real.dir, real.dir / "." }); });
  EXPECT_NE(twice.find("given twice"), std::string::npos) << twice;
}

}  // namespace
}  // namespace foundry::report
