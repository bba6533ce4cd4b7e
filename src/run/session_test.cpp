#include "run/session.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace foundry;
namespace fs = std::filesystem;

namespace {
fs::path fresh(const std::string& name) {
  fs::path d = fs::path(::testing::TempDir()) / ("foundry-session-" + name);
  fs::remove_all(d);
  return d;
}

Record rec(const std::string& id, Status st = Status::ok) {
  Record r;
  r.id = id;
  r.op = "rmsnorm";
  r.status = st;
  r.strategy.name = "random";
  return r;
}
}  // namespace

TEST(Session, TornLastLineIsDroppedAndAppendsContinueCleanly) {
  auto d = fresh("torn");
  {
    Session s(d);
    ASSERT_TRUE(s.append(rec("a")));
    ASSERT_TRUE(s.append(rec("b", Status::mismatch)));
  }
  {
    std::ofstream out(d / "attempts.ndjson", std::ios::app);
    out << R"({"schema":2,"id":"c","op":)";  // a write cut off by a kill
  }
  Session s(d);
  EXPECT_TRUE(s.recorded("a"));
  EXPECT_TRUE(s.recorded("b"));
  EXPECT_FALSE(s.recorded("c"));
  ASSERT_TRUE(s.append(rec("c")));
  auto recs = Session(d).records();
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].id, "a");
  EXPECT_EQ(recs[1].status, Status::mismatch);
  EXPECT_EQ(recs[2].id, "c");
  EXPECT_EQ(s.find("b")->status, Status::mismatch);
  EXPECT_FALSE(s.find("zz"));
}

TEST(Session, DuplicateIdsAreNeverAppended) {
  auto d = fresh("dup");
  Session s(d);
  EXPECT_TRUE(s.append(rec("x")));
  EXPECT_FALSE(s.append(rec("x")));
  EXPECT_EQ(read_ndjson(d / "attempts.ndjson").size(), 1u);
}

TEST(Session, ALogOfAnotherSchemaIsRefusedNamingFileAndLine) {
  auto d = fresh("old");
  fs::create_directories(d);
  std::ofstream(d / "attempts.ndjson") << R"({"id":"old","op":"rmsnorm","status":"ok"})" << "\n";
  try {
    Session s(d);
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("attempts.ndjson line 1"), std::string::npos) << m;
    EXPECT_NE(m.find("older foundry"), std::string::npos) << m;
  }
}

TEST(Session, KernelsAreContentAddressed) {
  auto d = fresh("kernels");
  Session s(d);
  auto p1 = s.write_kernel("abc", "cpp", "int x;");
  auto p2 = s.write_kernel("abc", "cpp", "int x;");
  EXPECT_EQ(p1, "kernels/abc.cpp");
  EXPECT_EQ(p1, p2);
  std::ifstream in(d / p1);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "int x;");
}

TEST(Session, UnwritableDirectoryIsNamed) {
  try {
    Session s("/proc/foundry-nope/session");
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("/proc/foundry-nope/session"), std::string::npos) << e.what();
  }
}
