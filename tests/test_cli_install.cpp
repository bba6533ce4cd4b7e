// The CLI finds its templates from where the executable lies, not from the
// source tree's path: copied as `make install` lays it out, it runs from any
// working directory.
#include "cli_helpers.hpp"

using namespace foundry_test;

TEST(Install, TheCliFindsItsTemplatesFromAnyDirectoryWhereverItIsInstalled) {
  const auto prefix = scratch_dir("prefix");
  fs::create_directories(prefix / "bin");
  fs::create_directories(prefix / "share" / "foundry");
  fs::copy_file(kFoundryBinary, prefix / "bin" / "foundry");
  fs::permissions(prefix / "bin" / "foundry", fs::perms::owner_all);
  fs::copy(fs::path(kTestDir) / ".." / "templates", prefix / "share" / "foundry" / "templates", fs::copy_options::recursive);
  // From /, with no FOUNDRY_TEMPLATES: only the install layout can tell it where they are.
  auto r = foundry::run_process({"sh", "-c", "cd / && env -u FOUNDRY_TEMPLATES " + (prefix / "bin" / "foundry").string() +
                                                 " list --json"},
                                60);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  int cpu_templates = 0;
  for (const auto& op : nlohmann::json::parse(r.output)) cpu_templates += static_cast<int>(op["templates"]["cpu"].size());
  EXPECT_GE(cpu_templates, 36);
  // Without them it says where it looked.
  fs::remove_all(prefix / "share");
  auto missing = foundry::run_process(
      {"sh", "-c", "cd / && env -u FOUNDRY_TEMPLATES " + (prefix / "bin" / "foundry").string() + " list"}, 60);
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("templates"), std::string::npos) << missing.output;
}
