#include "sft/discover_source.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "cli_helpers.hpp"
#include "error_helpers.hpp"
#include "sft/dedup.hpp"

namespace foundry::sft {
namespace {

namespace fs = std::filesystem;
const fs::path kFixture = fs::path(FOUNDRY_TEST_DIR) / "fixtures/sft/discover";

TEST(SftDiscoverSource, CorrectNodesAreAnswersAndAFailingParentOfACorrectNodeIsARepair) {
  const auto plain = read_discover_sessions(kFixture, {}, false);
  ASSERT_EQ(plain.examples.size(), 2u);  // n1 and n2; n0 and n3 failed
  EXPECT_EQ(plain.skipped, (std::map<std::string, int64_t>{{"not_correct", 2}}));
  EXPECT_EQ(plain.examples[0].meta["node"], "tree.children[0]");
  EXPECT_EQ(plain.examples[0].meta["file"], "rmsnorm.session.json");
  EXPECT_EQ(plain.examples[1].meta["node"], "tree.children[1]");
  for (const auto& e : plain.examples) {
    EXPECT_EQ(e.family, "rmsnorm/discover");
    EXPECT_NE(e.user.find("Dtype: f16"), std::string::npos);
    EXPECT_NE(e.user.find("cols=3, rows=33; eps=1e-06"), std::string::npos);
  }
  const auto with = read_discover_sessions(kFixture, {}, true);
  std::vector<Example> repairs;
  for (const auto& e : with.examples)
    if (e.source == "repair") repairs.push_back(e);
  ASSERT_EQ(repairs.size(), 2u);  // n0 -> n1 and n0 -> n2; n3's parent is correct
  for (const auto& r : repairs) {
    EXPECT_EQ(r.meta["failed_id"], "n0");
    EXPECT_NE(r.user.find("status compile_error"), std::string::npos);
    EXPECT_NE(r.user.find("this does not compile"), std::string::npos);
    EXPECT_NE(r.user.find("error: 'this' does not name a type"), std::string::npos);
    EXPECT_EQ(r.answer.find("this does not compile"), std::string::npos);
  }
  // n2 is n1 with a comment: the same example once deduplicated.
  std::map<std::string, int64_t> dropped;
  EXPECT_EQ(deduplicate(with.examples, dropped).size(), 2u);
  EXPECT_EQ(dropped, (std::map<std::string, int64_t>{{"discover", 1}, {"repair", 1}}));
}

TEST(SftDiscoverSource, AMalformedFileIsAnErrorNamingTheFileAndTheLineOrNode) {
  using foundry_test::invalid_argument_of;
  const fs::path dir = foundry_test::scratch_dir("discover");
  const fs::path f = dir / "deep/a.session.json";
  fs::create_directories(f.parent_path());
  auto error_of = [&](const std::string& text) {
    std::ofstream(f) << text;
    return invalid_argument_of([&] { read_discover_sessions(dir, {}, false); });
  };
  EXPECT_EQ(error_of("{\n \"schema\": 1,\n \"op\": rmsnorm\n}").rfind(f.string() + ":3: not JSON (", 0), 0u);
  EXPECT_EQ(error_of("{\"schema\": 1, \"op\": \"rmsnorm\", \"backend\": \"cpu\", \"dtype\": \"f32\"}"),
            f.string() + ": missing `tree` (the root node of the search)");
  std::string doc = foundry_test::read_file(kFixture / "rmsnorm.session.json");
  const std::string correct = "\"correct\": true, \"status\": \"ok\", \"latency_us\": 0.8";
  ASSERT_NE(doc.find("\"correct\": true"), std::string::npos);
  doc.replace(doc.find("\"correct\": true"), 15, "\"correct\": 1");
  EXPECT_EQ(error_of(doc), f.string() + ": tree.children[0]: `evaluation.correct` must be true or false");
  EXPECT_EQ(error_of("{\"schema\": 1, \"op\": \"rmsnorm\", \"backend\": \"metal\", \"dtype\": \"f32\", \"tree\": {}}"),
            f.string() + ": `backend`: --backend metal: unknown backend (cpu, cuda)");
  EXPECT_EQ(invalid_argument_of([&] { read_discover_sessions(dir / "absent", {}, false); }),
            "--discover-root " + (dir / "absent").string() + ": no such directory");
}

}  // namespace
}  // namespace foundry::sft
