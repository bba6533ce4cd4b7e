// export-sft end to end: a real cpu session made by the real binary (fixture
// templates with a buggy knob, so there are failures to repair), the KD and
// discover fixtures, and the dataset the binary writes from them.
#include <set>

#include "cli_helpers.hpp"
#include "core/hash.hpp"
#include "run/session.hpp"
#include "sft/dedup.hpp"
#include "sft/prompt.hpp"

namespace {

using namespace foundry_test;
using nlohmann::json;

const fs::path kSft = fs::path(kTestDir) / "fixtures/sft";

// One session for the whole test process: rmsnorm and softmax over the
// fixture templates, every point of each odd-shaped f32 case.
const fs::path& session_root() {
  static const fs::path root = [] {
    const fs::path r = fs::path(::testing::TempDir()) / "foundry-tests" / ("export-sft-sessions-" + std::to_string(getpid()));
    fs::remove_all(r);
    std::vector<std::string> args{"run", "--session-dir", (r / "cpu-a").string(), "--templates", (kSft / "templates").string(),
                                  "--ops", "rmsnorm", "softmax", "--n-per-case", "5", "--shapes", "odd", "--dtypes", "f32"};
    for (const auto& f : quick_flags())
      if (f != "--shapes" && f != "decode" && f != "odd") args.push_back(f);
    const auto res = foundry_cmd(args);
    EXPECT_EQ(res.exit_code, 0) << res.output;
    return r;
  }();
  return root;
}

struct Export {
  json manifest;
  std::array<std::vector<json>, 3> rows;
  std::vector<json> meta;
};

Export export_sft(const fs::path& out, std::vector<std::string> extra) {
  std::vector<std::string> args{"export-sft", "--out", out.string(), "--sessions-root", session_root().string(),
                                "--kd-root", (kSft / "kd").string(), "--discover-root", (kSft / "discover").string(),
                                "--templates", (kSft / "templates").string()};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto res = foundry_cmd(args);
  EXPECT_EQ(res.exit_code, 0) << res.output;
  Export e;
  e.manifest = json::parse(read_file(out / "manifest.json"));
  const char* names[] = {"train", "valid", "test"};
  for (int s = 0; s < 3; ++s) {
    std::ifstream in(out / (std::string(names[s]) + ".jsonl"));
    for (std::string l; std::getline(in, l);) e.rows[s].push_back(json::parse(l));
  }
  std::ifstream in(out / "metadata.jsonl");
  for (std::string l; std::getline(in, l);) e.meta.push_back(json::parse(l));
  return e;
}

std::string answer_of(const json& row) {
  return row.contains("messages") ? row["messages"][2]["content"].get<std::string>() : row["completion"].get<std::string>();
}

TEST(ExportSft, FromARealSessionOnlyCorrectKernelsAnswerAndNoTemplateFamilySpansTwoSplits) {
  const fs::path out = scratch_dir("out");
  const Export e = export_sft(out, {"--include-repairs", "--train-fraction", "0.5", "--valid-fraction", "0.25"});
  // The manifest agrees with the files.
  const char* names[] = {"train", "valid", "test"};
  std::size_t total = 0;
  for (int s = 0; s < 3; ++s) {
    EXPECT_EQ(e.manifest["counts"][names[s]], e.rows[s].size()) << names[s];
    EXPECT_FALSE(e.rows[s].empty()) << names[s];
    const std::string file = std::string(names[s]) + ".jsonl";
    EXPECT_EQ(e.manifest["files"][file]["sha256"], foundry::sha256_hex(read_file(out / file))) << file;
    total += e.rows[s].size();
  }
  EXPECT_EQ(e.manifest["schema"], 1);
  EXPECT_EQ(e.manifest["split"]["by"], "template");
  EXPECT_EQ(e.manifest["seed"], 1);
  ASSERT_EQ(e.meta.size(), total);
  // Every source contributes; the sources' skipped counts say what was left out.
  for (const char* src : {"session", "kd", "discover", "template", "repair"})
    EXPECT_GT(e.manifest["examples_read"].value(src, 0), 0) << src;
  EXPECT_EQ(e.manifest["skipped"]["kd"]["not_correct"], 1);
  // No (op, template) family in two splits.
  std::map<std::string, std::string> split_of;
  for (const auto& m : e.meta) {
    const auto [it, fresh] = split_of.emplace(m["family"].get<std::string>(), m["split"].get<std::string>());
    EXPECT_EQ(it->second, m["split"]) << m["family"];
  }
  EXPECT_GE(split_of.size(), 3u);
  // Every session answer is the body of a trusted record's checked source;
  // no answer is the body of a failing record.
  std::map<std::string, foundry::Record> records;
  for (const auto& r : foundry::read_session_records(session_root() / "cpu-a")) records[r.id] = r;
  std::set<std::string> failing, correct;
  for (const auto& [id, r] : records) {
    const std::string unit = read_file(session_root() / "cpu-a" / r.source_path);
    ASSERT_EQ(foundry::sha256_hex(unit), r.source_sha256);
    (r.trusted_ok() ? correct : failing).insert(foundry::sft::normalise_code(foundry::sft::kernel_body(unit)));
  }
  ASSERT_FALSE(failing.empty());
  std::set<std::string> repaired;
  for (const auto& m : e.meta) {
    const json& row = e.rows[m["split"] == "train" ? 0 : m["split"] == "valid" ? 1 : 2][m["row"].get<std::size_t>()];
    const std::string answer = foundry::sft::normalise_code(answer_of(row));
    EXPECT_EQ(failing.count(answer), 0u) << "a failing kernel is an answer: " << m.dump();
    if (m.contains("session")) {  // from the session: a trusted record's body
      ASSERT_TRUE(records.count(m["record_id"])) << m.dump();
      const auto& r = records.at(m["record_id"]);
      EXPECT_TRUE(r.trusted_ok());
      EXPECT_EQ(foundry::sft::kernel_body(read_file(session_root() / "cpu-a" / r.source_path)), answer_of(row));
    }
    if (m["source"] == "repair" && m.contains("failed_status")) repaired.insert(m["failed_status"]);
  }
  EXPECT_EQ(repaired, (std::set<std::string>{"compile_error", "mismatch"}));
  // No duplicate prompt and answer.
  std::set<std::string> keys;
  for (const auto& rows : e.rows)
    for (const auto& row : rows) EXPECT_TRUE(keys.insert(row.dump()).second);
}

TEST(ExportSft, SplitByOpKeepsOpsApartAndPromptCompletionRowsHaveJustThoseKeys) {
  const fs::path out = scratch_dir("out");
  const Export e = export_sft(out, {"--split-by", "op", "--format", "prompt-completion", "--seed", "3"});
  std::map<std::string, std::string> split_of;
  for (const auto& m : e.meta) {
    const auto [it, fresh] = split_of.emplace(m["op"].get<std::string>(), m["split"].get<std::string>());
    EXPECT_EQ(it->second, m["split"]) << m["op"];
  }
  EXPECT_EQ(split_of.size(), 3u);  // rmsnorm, softmax, swiglu (KD)
  for (const auto& rows : e.rows) {
    EXPECT_FALSE(rows.empty());
    for (const auto& row : rows) {
      EXPECT_EQ(row.size(), 2u);
      EXPECT_TRUE(row["prompt"].is_string() && row["completion"].is_string());
    }
  }
  EXPECT_EQ(e.manifest["format"], "prompt-completion");
  EXPECT_EQ(e.manifest["seed"], 3);
  EXPECT_FALSE(e.manifest["split"]["notes"].empty());  // one op per split: the shares could not be met
  // The same command writes the same files.
  const Export again = export_sft(out, {"--split-by", "op", "--format", "prompt-completion", "--seed", "3"});
  EXPECT_EQ(again.manifest["files"], e.manifest["files"]);
  // --max-examples caps the rows after deduplication.
  const Export capped = export_sft(scratch_dir("capped"), {"--max-examples", "10"});
  EXPECT_EQ(capped.manifest["counts"]["total"], 10);
  EXPECT_GT(capped.manifest["capped_dropped"].get<int>(), 0);
}

TEST(ExportSft, BadInputGetsOneLineNamingTheFlagOrFileAndANonZeroExit) {
  const fs::path dir = scratch_dir("bad");
  fs::create_directories(dir / "kd/x");
  std::ofstream(dir / "kd/x/run.ndjson") << "{\"schema\": 1}\n";
  fs::create_directories(dir / "disc");
  std::ofstream(dir / "disc/a.session.json") << "{\n  \"schema\": 1,\n  oops\n}\n";
  const std::string runs = session_root().string();
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"--sessions-root", (dir / "none").string()}, "--sessions-root " + (dir / "none").string() + ": no such directory"},
      {{"--sessions-root", runs, "--kd-root", (dir / "none").string()}, "--kd-root " + (dir / "none").string() + ": no such directory"},
      {{"--sessions-root", runs, "--discover-root", (dir / "none").string()},
       "--discover-root " + (dir / "none").string() + ": no such directory"},
      {{"--sessions-root", runs, "--train-fraction", "1.5"}, "--train-fraction 1.5: must be in (0, 1)"},
      {{"--sessions-root", runs, "--valid-fraction", "0"}, "--valid-fraction 0: must be in (0, 1)"},
      {{"--sessions-root", runs, "--train-fraction", "0.9", "--valid-fraction", "0.2"},
       "--train-fraction 0.9 and --valid-fraction 0.2 sum to more than 1"},
      {{"--sessions-root", runs, "--split-by", "family"}, "--split-by family: expected template, op or example"},
      {{"--sessions-root", runs, "--format", "chat"}, "--format chat: expected messages or prompt-completion"},
      {{"--sessions-root", runs, "--max-examples", "-1"}, "--max-examples -1: must be 0 (all) or more"},
      {{"--sessions-root", runs, "--kd-root", (dir / "kd").string()}, (dir / "kd/x/run.ndjson").string() + ":1: missing `op`"},
      {{"--sessions-root", runs, "--discover-root", (dir / "disc").string()}, (dir / "disc/a.session.json").string() + ":3: not JSON"},
  };
  for (const auto& [args, want] : cases) {
    std::vector<std::string> full{"export-sft", "--out", (dir / "out").string()};
    full.insert(full.end(), args.begin(), args.end());
    const auto res = foundry_cmd(full);
    EXPECT_NE(res.exit_code, 0) << want;
    EXPECT_EQ(res.output.rfind("foundry: error: " + want, 0), 0u) << res.output;
    EXPECT_EQ(std::count(res.output.begin(), res.output.end(), '\n'), 1) << res.output;
  }
  EXPECT_FALSE(fs::exists(dir / "out"));  // nothing written on bad input
}

}  // namespace
