// Templates: front matter, strict rendering, and the errors that name what is wrong.
#include "templates/template.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "ops/registry.hpp"

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
