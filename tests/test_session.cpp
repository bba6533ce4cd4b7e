#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "run/session.hpp"

using namespace foundry;
namespace fs = std::filesystem;

namespace {
fs::path fresh(const std::string& name) {
  fs::path d = fs::path(::testing::TempDir()) / ("foundry-session-" + name);
  fs::remove_all(d);
  return d;
}
}  // namespace

TEST(Session, TornLastLineIsDroppedAndAppendsContinueCleanly) {
  auto d = fresh("torn");
  {
    Session s(d);
    ASSERT_TRUE(s.append({{"id", "a"}, {"v", 1}}));
    ASSERT_TRUE(s.append({{"id", "b"}, {"v", 2}}));
  }
  {
    std::ofstream out(d / "attempts.ndjson", std::ios::app);
    out << R"({"id":"c","v":)";  // a write cut off by a kill
  }
  Session s(d);
  EXPECT_TRUE(s.recorded("a"));
  EXPECT_TRUE(s.recorded("b"));
  EXPECT_FALSE(s.recorded("c"));
  ASSERT_TRUE(s.append({{"id", "c"}, {"v", 3}}));
  auto recs = read_ndjson(d / "attempts.ndjson");
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[2]["v"], 3);
}

TEST(Session, DuplicateIdsAreNeverAppended) {
  auto d = fresh("dup");
  Session s(d);
  EXPECT_TRUE(s.append({{"id", "x"}}));
  EXPECT_FALSE(s.append({{"id", "x"}}));
  EXPECT_EQ(read_ndjson(d / "attempts.ndjson").size(), 1u);
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
