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

namespace {
// A cuda template launching clusters of CLUSTER blocks, cdiv(rows, 2) * CLUSTER of them.
std::string cluster_template(const std::string& cluster_line, const std::string& backend = "cuda") {
  return "// ---\n// id: good\n// op: rmsnorm\n// backend: " + backend +
         "\n// knobs:\n//   CLUSTER: [2, 4, 32]\n//   THREADS: [128]\n// launch:\n//   grid: cdiv(rows, 2) * THREADS / 128 * "
         "CLUSTER\n//   threads: THREADS\n" +
         cluster_line + "// ---\nint n = FOUNDRY_CLUSTER_BLOCKS;\n";
}
}  // namespace

TEST(Templates, LaunchClusterIsRenderedAndImpliesItsConstraints) {
  auto t = load_template(write_template("cluster", "good", cluster_template("//   cluster: CLUSTER\n")));
  ASSERT_EQ(t.launch.count("cluster"), 1u);
  EXPECT_EQ(t.launch.at("cluster"), "CLUSTER");
  const Knobs four{{"CLUSTER", 4}, {"THREADS", 128}};
  EXPECT_EQ(cluster_blocks(t, four), 4);
  EXPECT_EQ(render(t, four), "#define FOUNDRY_CLUSTER_BLOCKS 4\nint n = FOUNDRY_CLUSTER_BLOCKS;\n");
  EXPECT_EQ(render_macros(t), "#define FOUNDRY_CLUSTER_BLOCKS (CLUSTER)\nint n = FOUNDRY_CLUSTER_BLOCKS;\n");
  EXPECT_EQ(violated_constraint(t, {{"rows", 7}, {"cols", 64}}, four), "");
  const std::string big = violated_constraint(t, {{"rows", 7}, {"cols", 64}}, {{"CLUSTER", 32}, {"THREADS", 128}});
  EXPECT_EQ(big, "cluster CLUSTER between 1 and 16 blocks (it is 32)");

  // A grid that is not whole clusters.
  auto odd = load_template(write_template("cluster-odd", "good", [] {
    std::string s = cluster_template("//   cluster: CLUSTER\n");
    s.replace(s.find(" * CLUSTER\n"), 11, " + 1\n");
    return s;
  }()));
  EXPECT_EQ(violated_constraint(odd, {{"rows", 7}, {"cols", 64}}, four),
            "grid cdiv(rows, 2) * THREADS / 128 + 1 a multiple of cluster CLUSTER (5 is not of 4)");

  // Templates without a cluster render and check as before.
  auto plain = load_template(write_template("plain", "good", kGood));
  EXPECT_EQ(cluster_blocks(plain, {{"VEC", 4}, {"THREADS", 1}}), 0);
  EXPECT_EQ(render(plain, {{"VEC", 4}, {"THREADS", 1}}), "int v = 4;\nint w = 4;\n");
}

TEST(Templates, LaunchClusterIsParsedStrictly) {
  // Compiled into the kernel: knobs and numbers only, no shape sizes.
  auto msg = expect_error([&] {
    load_template(write_template("cluster-shape", "good", cluster_template("//   cluster: min(CLUSTER, rows)\n")));
  });
  EXPECT_NE(msg.find("launch cluster: 'min(CLUSTER, rows)' names rows, not a knob"), std::string::npos) << msg;
  EXPECT_NE(msg.find("good.cpp:11:"), std::string::npos) << "names the line: " << msg;
  msg = expect_error([&] {
    load_template(write_template("cluster-cpu", "good", cluster_template("//   cluster: CLUSTER\n", "cpu")));
  });
  EXPECT_NE(msg.find("only cuda templates launch clusters, not cpu"), std::string::npos) << msg;
  msg = expect_error([&] {
    load_template(write_template("cluster-syntax", "good", cluster_template("//   cluster: CLUSTER *\n")));
  });
  EXPECT_NE(msg.find("launch cluster"), std::string::npos) << msg;
  msg = expect_error([&] {
    std::string s = cluster_template("//   cluster: CLUSTER\n");
    s.replace(s.find("//   grid:"), s.find("//   threads:") - s.find("//   grid:"), "");
    load_template(write_template("cluster-nogrid", "good", s));
  });
  EXPECT_NE(msg.find("launch cluster: needs a grid"), std::string::npos) << msg;
  msg = expect_error([&] {
    load_template(write_template("cluster-key", "good", cluster_template("//   clusters: CLUSTER\n")));
  });
  EXPECT_NE(msg.find("unknown key 'clusters' (grid, threads, smem, cluster)"), std::string::npos) << msg;
}
