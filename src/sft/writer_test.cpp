#include "sft/writer.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "cli_helpers.hpp"
#include "core/hash.hpp"
#include "error_helpers.hpp"

namespace foundry::sft {
namespace {

using nlohmann::json;

std::vector<Example> two_examples() {
  return {{"session", "rmsnorm", "rmsnorm/a", "sys", "write a", "int a;", {{"record_id", "r1"}}},
          {"kd", "softmax", "softmax/kd", "sys", "write b", "int b;", {{"teacher", "t"}}}};
}

TEST(SftWriter, RowsAreChatMessagesOrPromptAndCompletion) {
  const auto e = two_examples()[0];
  const json m = row_json(e, RowFormat::messages);
  ASSERT_EQ(m.size(), 1u);
  ASSERT_EQ(m["messages"].size(), 3u);
  EXPECT_EQ(m["messages"][0], (json{{"role", "system"}, {"content", "sys"}}));
  EXPECT_EQ(m["messages"][1], (json{{"role", "user"}, {"content", "write a"}}));
  EXPECT_EQ(m["messages"][2], (json{{"role", "assistant"}, {"content", "int a;"}}));
  const json p = row_json(e, RowFormat::prompt_completion);
  EXPECT_EQ(p, (json{{"prompt", "sys\n\nwrite a"}, {"completion", "int a;"}}));
  EXPECT_EQ(parse_row_format("prompt-completion"), RowFormat::prompt_completion);
  EXPECT_EQ(foundry_test::invalid_argument_of([] { parse_row_format("chat"); }),
            "--format chat: expected messages or prompt-completion");
}

TEST(SftWriter, TheManifestCountsEverySplitSourceAndOpAndHoldsEachFilesSha256) {
  const auto dir = foundry_test::scratch_dir("out") / "nested";
  SplitResult split;
  split.rows[kTrain] = {1};
  split.rows[kValid] = {0};
  split.groups = {1, 1, 0};
  split.notes = {"a note"};
  const json m = write_dataset(dir, two_examples(), split, RowFormat::messages, {{"seed", 5}});
  const json on_disk = json::parse(foundry_test::read_file(dir / "manifest.json"));
  EXPECT_EQ(on_disk, m);
  EXPECT_EQ(m["schema"], kManifestSchema);
  EXPECT_EQ(m["seed"], 5);
  EXPECT_EQ(m["foundry_version"], FOUNDRY_VERSION);
  EXPECT_EQ(m["counts"], (json{{"train", 1}, {"valid", 1}, {"test", 0}, {"total", 2}}));
  EXPECT_EQ(m["per_source"]["session"], (json{{"train", 0}, {"valid", 1}, {"test", 0}}));
  EXPECT_EQ(m["per_op"]["softmax"], (json{{"train", 1}, {"valid", 0}, {"test", 0}}));
  EXPECT_EQ(m["split"]["notes"], json::array({"a note"}));
  for (const char* f : {"train.jsonl", "valid.jsonl", "test.jsonl", "metadata.jsonl"}) {
    const std::string text = foundry_test::read_file(dir / f);
    EXPECT_EQ(m["files"][f]["sha256"], sha256_hex(text)) << f;
    EXPECT_EQ(m["files"][f]["bytes"], text.size()) << f;
  }
  EXPECT_EQ(foundry_test::read_file(dir / "test.jsonl"), "");
  EXPECT_EQ(json::parse(foundry_test::read_file(dir / "train.jsonl"))["messages"][2]["content"], "int b;");
  const json meta = json::parse(foundry_test::read_file(dir / "metadata.jsonl").substr(0, foundry_test::read_file(dir / "metadata.jsonl").find('\n')));
  EXPECT_EQ(meta["split"], "train");
  EXPECT_EQ(meta["teacher"], "t");
  EXPECT_FALSE(std::filesystem::exists(dir / "train.jsonl.tmp"));
  // An output that is a file cannot be written: named by its flag.
  std::ofstream(dir.parent_path() / "file") << "x";
  EXPECT_EQ(foundry_test::invalid_argument_of([&] { write_dataset(dir.parent_path() / "file", two_examples(), split, RowFormat::messages, {}); }),
            "--out " + (dir.parent_path() / "file").string() + ": cannot create the directory");
}

}  // namespace
}  // namespace foundry::sft
