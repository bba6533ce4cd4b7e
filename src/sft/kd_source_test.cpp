#include "sft/kd_source.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "cli_helpers.hpp"
#include "error_helpers.hpp"

namespace foundry::sft {
namespace {

namespace fs = std::filesystem;
const fs::path kFixture = fs::path(FOUNDRY_TEST_DIR) / "fixtures/sft/kd";

TEST(SftKdSource, OnlyKernelsWhoseEvaluationSaysCorrectBecomeAnswers) {
  const auto r = read_kd_runs(kFixture, {});
  ASSERT_EQ(r.inputs.size(), 1u);
  ASSERT_EQ(r.examples.size(), 2u);
  EXPECT_EQ(r.skipped, (std::map<std::string, int64_t>{{"not_correct", 1}}));
  const Example& a = r.examples[0];
  EXPECT_EQ(a.source, "kd");
  EXPECT_EQ(a.op, "rmsnorm");
  EXPECT_EQ(a.family, "rmsnorm/kd");
  EXPECT_EQ(a.meta["id"], "a-0001");
  EXPECT_EQ(a.meta["line"], 1);
  EXPECT_EQ(a.meta["teacher"], "teacher-a");
  EXPECT_NE(a.user.find("cols=1031, rows=7; eps=1e-05"), std::string::npos) << a.user;
  EXPECT_NE(a.answer.find("* to_f(w[c])"), std::string::npos);  // the correct one, not line 2's
  EXPECT_EQ(r.examples[1].op, "swiglu");
  EXPECT_NE(r.examples[1].user.find("Dtype: f16"), std::string::npos);
}

// Writes `lines` as dir/x/run.ndjson; returns the file.
fs::path kd_file(const fs::path& dir, const std::string& text) {
  fs::create_directories(dir / "x");
  std::ofstream(dir / "x/run.ndjson") << text;
  return dir / "x/run.ndjson";
}

TEST(SftKdSource, AMalformedLineIsAnErrorNamingFileAndLine) {
  using foundry_test::invalid_argument_of;
  const fs::path dir = foundry_test::scratch_dir("kd");
  const std::string good = foundry_test::read_file(kFixture / "teacher-a/run.ndjson");
  const std::string first = good.substr(0, good.find('\n') + 1);
  auto error_of = [&](const std::string& third) {
    kd_file(dir, first + "\n" + third + "\n");  // a blank second line is skipped, the third counted
    return invalid_argument_of([&] { read_kd_runs(dir, {}); });
  };
  const std::string where = (dir / "x/run.ndjson").string() + ":3: ";
  EXPECT_EQ(error_of("{\"schema\": 1, \"op\": ").rfind(where + "not JSON (", 0), 0u);
  EXPECT_EQ(error_of("[1]"), where + "expected a JSON object");
  EXPECT_EQ(error_of("{\"op\": \"rmsnorm\"}"), where + "missing `schema`");
  EXPECT_EQ(error_of("{\"schema\": 2}"), where + "`schema` is 2, this foundry reads schema 1");
  EXPECT_EQ(error_of("{\"schema\": 1, \"op\": \"convolution\", \"backend\": \"cpu\", \"dtype\": \"f32\"}"),
            where + "unknown op `convolution` (foundry list)");
  EXPECT_EQ(error_of("{\"schema\": 1, \"op\": \"rmsnorm\", \"backend\": \"cpu\", \"dtype\": \"f64\"}"),
            where + "unknown dtype `f64` (f32, f16, bf16)");
  EXPECT_EQ(error_of("{\"schema\": 1, \"op\": \"rmsnorm\", \"backend\": \"cpu\", \"dtype\": \"f32\", \"shape\": {\"rows\": 1.5}}"),
            where + "`shape.rows` must be an integer");
  EXPECT_EQ(error_of("{\"schema\": 1, \"op\": \"rmsnorm\", \"backend\": \"cpu\", \"dtype\": \"f32\", \"source\": \"int a;\"}"),
            where + "missing `evaluation`");
  EXPECT_EQ(error_of("{\"schema\": 1, \"op\": \"rmsnorm\", \"backend\": \"cpu\", \"dtype\": \"f32\", \"source\": \"int a;\", "
                     "\"evaluation\": {\"correct\": \"yes\"}}"),
            where + "`evaluation.correct` must be true or false");
  EXPECT_EQ(error_of("{\"schema\": 1, \"op\": \"rmsnorm\", \"backend\": \"cpu\", \"dtype\": \"f32\", \"source\": \" \", "
                     "\"evaluation\": {\"correct\": true}}"),
            where + "`source` is empty");
  EXPECT_EQ(invalid_argument_of([&] { read_kd_runs(dir / "absent", {}); }), "--kd-root " + (dir / "absent").string() + ": no such directory");
}

}  // namespace
}  // namespace foundry::sft
