#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include <xmmintrin.h>

#include "backends/cpu/cpu_backend.hpp"
#include "backends/cpu/cpu_runtime.hpp"
#include "ops/registry.hpp"
#include "run/candidate.hpp"
#include "templates/template.hpp"

using namespace foundry;
namespace fs = std::filesystem;

namespace {
fs::path write_template(const std::string& dir, const std::string& id, const std::string& text) {
  fs::path root = fs::path(::testing::TempDir()) / ("foundry-tpl-" + dir);
  fs::create_directories(root / "rmsnorm" / "cpu");
  fs::path p = root / "rmsnorm" / "cpu" / (id + ".cpp");
  std::ofstream(p) << text;
  return p;
}

const char* kGood = R"(// ---
// id: good
// op: rmsnorm
// backend: cpu
// knobs:
//   VEC: [4, 8]
//   THREADS: [1, 2]
// constraints:
//   - cols % VEC == 0
// launch:
//   grid: cdiv(rows, 2)
//   threads: THREADS
// ---
int v = {{VEC}};
int w = {{ VEC }};
)";

std::string expect_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an error";
  return {};
}
}  // namespace

TEST(Templates, ParsesFrontMatterAndRendersStrictly) {
  auto p = write_template("good", "good", kGood);
  auto t = load_template(p);
  EXPECT_EQ(t.id, "good");
  ASSERT_EQ(t.knobs.size(), 2u);
  EXPECT_EQ(t.knobs[0].name, "VEC");
  EXPECT_EQ(t.space_size(), 4);
  EXPECT_EQ(render(t, {{"VEC", 8}, {"THREADS", 1}}), "int v = 8;\nint w = 8;\n");
  EXPECT_EQ(violated_constraint(t, {{"rows", 4}, {"cols", 12}}, {{"VEC", 8}, {"THREADS", 1}}), "cols % VEC == 0");
  EXPECT_EQ(violated_constraint(t, {{"rows", 4}, {"cols", 16}}, {{"VEC", 8}, {"THREADS", 1}}), "");
  EXPECT_EQ(eval_int(t.launch.at("grid"), expression_symbols({{"rows", 5}}, {})), 3);
}

TEST(Templates, UnknownPlaceholderIsAnErrorNamingFileAndLine) {
  std::string text = kGood;
  text += "int z = {{WIDTH}};\n";
  auto p = write_template("unknown", "good", text);
  auto msg = expect_error([&] { load_template(p); });
  EXPECT_NE(msg.find(p.string() + ":16"), std::string::npos) << msg;
  EXPECT_NE(msg.find("WIDTH"), std::string::npos) << msg;
}

TEST(Templates, UnusedKnobAndBadFrontMatterAreErrors) {
  std::string unused = kGood;
  unused.insert(unused.find("// constraints:"), "//   UNUSED: [1, 2]\n");
  auto msg = expect_error([&] { load_template(write_template("unused", "good", unused)); });
  EXPECT_NE(msg.find("knob UNUSED is declared but never used"), std::string::npos) << msg;

  msg = expect_error([&] { load_template(write_template("noclose", "good", "// ---\n// id: good\nint x;\n")); });
  EXPECT_NE(msg.find("front matter"), std::string::npos) << msg;

  msg = expect_error([&] { load_template(write_template("badid", "other", kGood)); });
  EXPECT_NE(msg.find("does not match the file name"), std::string::npos) << msg;
}

TEST(Templates, ShippedTemplatesAllLoad) {
  auto all = discover_templates(default_template_root());
  EXPECT_GE(all.size(), 6u);
  for (const auto& t : all) EXPECT_NE(Registry::instance().find(t.op), nullptr) << t.id;
}

TEST(CandidateId, HashesEveryShapeDimensionAndParam) {
  Candidate a;
  a.op = "rmsnorm";
  a.backend = "cpu";
  a.shape = {{"rows", 4}, {"cols", 8}};
  a.params = {{"eps", 1e-5}};
  a.template_id = "t";
  a.knobs = {{"VEC", 4}};
  a.source = "src";
  finalize_identity(a);
  Candidate b = a;
  finalize_identity(b);
  EXPECT_EQ(a.id, b.id);
  b.shape["cols"] = 9;
  finalize_identity(b);
  EXPECT_NE(a.id, b.id);
  Candidate c = a;
  c.params["eps"] = 1e-6;
  finalize_identity(c);
  EXPECT_NE(a.id, c.id);
  Candidate e = a;
  e.source = "src2";
  finalize_identity(e);
  EXPECT_NE(a.id, e.id);
}

TEST(CpuBackend, CompileErrorsCarryTheCompilerLogAndCacheHitsAreFast) {
  fs::path cache = fs::path(::testing::TempDir()) / "foundry-cpu-backend-cache";
  fs::remove_all(cache);
  CpuBackend be("", cache);
  auto bad = be.compile("this is not C++", {});
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.status, Status::compile_error);
  EXPECT_FALSE(bad.log.empty());
  auto first = be.compile("extern \"C\" int f() { return 1; }", {});
  ASSERT_TRUE(first.ok) << first.log;
  EXPECT_FALSE(first.cache_hit);
  auto second = be.compile("extern \"C\" int f() { return 1; }", {});
  EXPECT_TRUE(second.cache_hit);
  EXPECT_EQ(first.artifact, second.artifact);
}

TEST(CpuRuntime, LoadingAFastMathObjectLeavesFlushToZeroOff) {
  fs::path cache = fs::path(::testing::TempDir()) / "foundry-cpu-ftz-cache";
  fs::remove_all(cache);
  CpuBackend be("", cache);
  auto built = be.compile(
      "extern \"C\" void foundry_launch(void* const*, long long, long long, long long) {}\n"
      "extern \"C\" float scale(float x) { return x * 0.5f; }\n",
      {"-ffast-math"});
  ASSERT_TRUE(built.ok) << built.log;
  const unsigned before = _mm_getcsr();
  {
    CpuKernel k(built.artifact);
  }
  EXPECT_EQ(_mm_getcsr(), before) << "MXCSR changed: flush-to-zero would leak into later variants";
  EXPECT_EQ(_mm_getcsr() & 0x8040u, 0u);
}
