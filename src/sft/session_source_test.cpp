#include "sft/session_source.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "cli_helpers.hpp"
#include "core/hash.hpp"
#include "error_helpers.hpp"
#include "run/session.hpp"

namespace foundry::sft {
namespace {

namespace fs = std::filesystem;

// A session written by hand: each record's kernel is a unit with the
// template markers, so its body is `body`.
class HandSession {
 public:
  explicit HandSession(const fs::path& dir) : session_(dir) {}

  Record& add(const std::string& id, Status st, const std::string& body, Knobs knobs, double p50 = 0,
              const std::string& template_id = "rmsnorm_rowloop", Shape shape = {{"rows", 7}, {"cols", 1031}}) {
    Record r;
    r.id = id;
    r.op = "rmsnorm";
    r.backend = "cpu";
    r.status = st;
    r.template_id = template_id;
    r.knobs = std::move(knobs);
    r.shape = std::move(shape);
    r.params = {{"eps", 1e-5}};
    r.strategy.name = "random";
    const std::string unit = "// prelude\n// ---- template ----\n" + body + "\n// ---- entry point (generated)\n";
    r.source_sha256 = sha256_hex(unit);
    r.source_path = session_.write_kernel(r.source_sha256, "cpp", unit);
    if (p50 > 0) r.bench.latency_us = LatencyStats{p50, p50, p50, p50, 0, 5};
    records_.push_back(r);
    return records_.back();
  }
  void write() {
    for (const auto& r : records_) session_.append(r);
  }
  const fs::path& dir() const { return session_.dir(); }

 private:
  Session session_;
  std::vector<Record> records_;
};

TEST(SftSessionSource, TrustedVariantsAreAnsweredByTheirCheckedSourceAndTheFastestOfACaseSaysSo) {
  const fs::path root = foundry_test::scratch_dir("sessions");
  HandSession s(root / "runs/one");
  s.add("slow", Status::ok, "int slow;", {{"UNROLL", 1}}, 20);
  s.add("fast", Status::ok, "int fast;", {{"UNROLL", 2}}, 10);
  s.add("suspect", Status::ok, "int suspect;", {{"UNROLL", 4}}, 1).labels = {"suspect"};
  s.add("sanitized", Status::ok, "int sanitized;", {{"UNROLL", 8}}, 30).labels = {"sanitizer"};
  s.add("bad", Status::mismatch, "int bad;", {{"UNROLL", 16}});
  s.add("other_case", Status::ok, "int other;", {{"UNROLL", 1}}, 50, "rmsnorm_rowloop", {{"rows", 33}, {"cols", 3}});
  s.add("tampered", Status::ok, "int tampered;", {{"UNROLL", 32}}, 40).source_sha256 = std::string(64, '0');
  s.write();
  const auto r = read_sessions(root, {}, false);
  EXPECT_EQ(r.inputs, std::vector<std::string>{(root / "runs/one").string()});
  ASSERT_EQ(r.examples.size(), 3u);
  EXPECT_EQ(r.skipped, (std::map<std::string, int64_t>{{"untrusted_label", 2}, {"not_correct", 1}, {"source_sha256", 1}}));
  std::map<std::string, const Example*> by_id;
  for (const auto& e : r.examples) by_id[e.meta["record_id"]] = &e;
  ASSERT_EQ(by_id.size(), 3u);
  EXPECT_EQ(by_id["slow"]->answer, "int slow;");
  EXPECT_EQ(by_id["fast"]->answer, "int fast;");
  EXPECT_EQ(by_id["fast"]->meta["fastest_in_case"], true);
  EXPECT_EQ(by_id["slow"]->meta["fastest_in_case"], false);
  EXPECT_EQ(by_id["other_case"]->meta["fastest_in_case"], true);  // alone in its case
  EXPECT_NE(by_id["fast"]->user.find("the fastest correct variant"), std::string::npos);
  EXPECT_EQ(by_id["slow"]->user.find("the fastest correct variant"), std::string::npos);
  EXPECT_EQ(by_id["fast"]->meta["session"], "runs/one");
  EXPECT_EQ(by_id["fast"]->family, "rmsnorm/rmsnorm_rowloop");
  EXPECT_NE(by_id["fast"]->user.find("UNROLL=2"), std::string::npos);
}

TEST(SftSessionSource, ARepairIsAFailingKernelWithItsReportAnsweredByTheNearestTrustedVariantOfItsTemplateAndCase) {
  const fs::path root = foundry_test::scratch_dir("sessions");
  HandSession s(root / "s");
  s.add("far", Status::ok, "int far;", {{"UNROLL", 1}, {"ROWS", 1}}, 5);
  s.add("near", Status::ok, "int near;", {{"UNROLL", 1}, {"ROWS", 4}}, 50);
  s.add("other_template", Status::ok, "int other;", {{"UNROLL", 2}, {"ROWS", 4}}, 1, "rmsnorm_simd");
  s.add("suspect", Status::ok, "int suspect;", {{"UNROLL", 2}, {"ROWS", 4}}, 1).labels = {"suspect"};
  Record& bad = s.add("bad", Status::compile_error, "int bad(", {{"UNROLL", 2}, {"ROWS", 4}});
  bad.error = "compilation failed";
  bad.build.log = "/somewhere/abc.cpp:3:9: error: expected ')'";
  Record& wrong = s.add("wrong", Status::mismatch, "int wrong;", {{"UNROLL", 2}, {"ROWS", 1}});
  wrong.correctness.detail = "y[5] = 2 where the reference is 1";
  wrong.correctness.mismatches = 12;
  s.add("lonely", Status::mismatch, "int lonely;", {{"UNROLL", 2}}, 0, "rmsnorm_lonely");
  s.add("same", Status::unwritten, "int near;", {{"UNROLL", 1}, {"ROWS", 4}});  // the fault is outside the body
  s.write();
  const auto r = read_sessions(root, {}, true);
  std::map<std::string, const Example*> repairs;
  for (const auto& e : r.examples) {
    for (const char* failing : {"int bad(", "int wrong;", "int lonely;", "int suspect;"})
      EXPECT_NE(e.answer, failing) << "a failing or untrusted kernel became an answer";
    if (e.source == "repair") repairs[e.meta["failed_record_id"]] = &e;
  }
  ASSERT_EQ(repairs.size(), 2u);
  EXPECT_EQ(repairs["bad"]->answer, "int near;");  // one knob away (UNROLL); far is two
  EXPECT_EQ(repairs["bad"]->meta["record_id"], "near");
  EXPECT_EQ(repairs["bad"]->family, "rmsnorm/rmsnorm_rowloop");
  // The compiler's file is the author's body: kernel.cpp, lines counted from the body (the unit's line 3 is its line 1).
  EXPECT_NE(repairs["bad"]->user.find("kernel.cpp:1:9: error: expected ')'"), std::string::npos) << repairs["bad"]->user;
  EXPECT_NE(repairs["bad"]->user.find("status compile_error"), std::string::npos);
  EXPECT_NE(repairs["bad"]->user.find("int bad("), std::string::npos);
  EXPECT_EQ(repairs["wrong"]->answer, "int far;");  // ROWS=1 as the failing one
  EXPECT_NE(repairs["wrong"]->user.find("y[5] = 2 where the reference is 1"), std::string::npos);
  EXPECT_NE(repairs["wrong"]->user.find("12 elements out of tolerance"), std::string::npos);
  EXPECT_EQ(r.skipped.at("repair_without_fix"), 1);
  EXPECT_EQ(r.skipped.at("repair_same_body"), 1);
}

TEST(SftSessionSource, AMissingRootIsNamedByItsFlagAndAnotherSchemaByFileAndLine) {
  const fs::path root = foundry_test::scratch_dir("sessions");
  EXPECT_EQ(foundry_test::invalid_argument_of([&] { read_sessions(root / "absent", {}, false); }),
            "--sessions-root " + (root / "absent").string() + ": no such directory");
  fs::create_directories(root / "old");
  std::ofstream(root / "old/attempts.ndjson") << "{\"schema\": 2, \"id\": \"x\"}\n{\"schema\": 2}\n";
  try {
    read_sessions(root, {}, false);
    FAIL() << "an old session was read";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find((root / "old/attempts.ndjson").string() + " line 1"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace foundry::sft
