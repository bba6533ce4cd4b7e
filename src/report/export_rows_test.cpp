#include "report/export_rows.hpp"

#include <gtest/gtest.h>

#include <set>

#include "core/hash.hpp"
#include "report_helpers.hpp"

namespace foundry::report {
namespace {

namespace fs = std::filesystem;
using foundry_test::foundry_cmd;
using foundry_test::read_file;

std::vector<nlohmann::json> read_rows(const fs::path& p) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(p);
  for (std::string l; std::getline(in, l);) rows.push_back(nlohmann::json::parse(l));
  return rows;
}

TEST(Export, EveryAttemptOnceWithItsVerifiedSourceAndEveryLabel) {
  const auto& a = foundry_test::real_session();
  const auto& b = foundry_test::overlapping_session();
  const fs::path out = foundry_test::scratch_dir("export") / "rows.jsonl";
  const auto r = foundry_cmd({"export", a.dir.string(), b.dir.string(), "--out", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::map<std::string, nlohmann::json> logged;  // id -> record, first session first
  std::size_t all = 0;
  for (const auto* s : {&a, &b})
    for (const auto& rec : foundry_test::read_records(s->dir)) logged.emplace(rec["id"].get<std::string>(), rec), ++all;
  ASSERT_LT(logged.size(), all) << "the sessions overlap";
  const auto rows = read_rows(out);
  ASSERT_EQ(rows.size(), logged.size()) << "each id once";
  std::set<std::string> ids;
  for (const auto& row : rows) {
    const std::string id = row["id"];
    EXPECT_TRUE(ids.insert(id).second) << id;
    // The record as logged, every field, plus the export's own.
    for (const auto& [k, v] : logged.at(id).items())
      if (k != "labels") EXPECT_EQ(row[k], v) << id << " " << k;
    // Labels: the logged ones, and the confirm pass's (confirmations.ndjson).
    std::set<std::string> extra;
    for (const auto& l : row["labels"]) extra.insert(l.get<std::string>());
    for (const auto& l : logged.at(id)["labels"]) EXPECT_EQ(extra.erase(l.get<std::string>()), 1u) << id;
    for (const auto& l : extra)
      EXPECT_TRUE(l == "confirmed" || l == "unconfirmed" || l == "sanitizer" || l == "nondeterministic") << id << " " << l;
    bool doubted = false;
    for (const auto& l : row["labels"]) doubted |= l != "confirmed";
    ASSERT_TRUE(row["source"].is_string()) << id;
    EXPECT_EQ(sha256_hex(row["source"].get<std::string>()), row["source_sha256"]);
    EXPECT_NE(row["source"].get<std::string>().find("kernel("), std::string::npos);
    EXPECT_TRUE(row["session"] == a.dir.string() || row["session"] == b.dir.string());
    EXPECT_EQ(row["trusted_ok"], row["status"] == "ok" && !doubted);
    for (const char* k : {"plain_template", "plain_latency_us", "speedup_vs_plain", "case_best"}) EXPECT_TRUE(row.contains(k)) << k;
    if (row["speedup_vs_plain"].is_number())
      EXPECT_NEAR(row["speedup_vs_plain"].get<double>(),
                  row["plain_latency_us"].get<double>() / row["bench"]["latency_us"]["p50"].get<double>(), 1e-12);
  }
  EXPECT_NE(r.output.find(fmt::format("{} rows", rows.size())), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(fmt::format("{} duplicate ids left out", all - logged.size())), std::string::npos) << r.output;
}

TEST(Export, FiltersKeepOnlyWhatTheyName) {
  const auto& a = foundry_test::real_session();
  const fs::path d = foundry_test::scratch_dir("filters");
  const auto records = foundry_test::read_records(a.dir);
  std::vector<double> p50s;
  for (const auto& rec : records)
    if (rec["bench"]["latency_us"].is_object()) p50s.push_back(rec["bench"]["latency_us"]["p50"]);
  ASSERT_GE(p50s.size(), 3u);
  std::sort(p50s.begin(), p50s.end());
  const double lo = p50s[1], hi = p50s[p50s.size() - 2];
  const auto r = foundry_cmd({"export", a.dir.string(), "--out", (d / "f.jsonl").string(), "--ops", "softmax", "--status", "ok",
                              "--min-p50", fmt::format("{}", lo), "--max-p50", fmt::format("{}", hi)});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::size_t expected = 0;
  for (const auto& rec : records) {
    if (rec["op"] != "softmax" || rec["status"] != "ok") continue;
    const double p50 = rec["bench"]["latency_us"]["p50"];
    expected += p50 >= lo && p50 <= hi;
  }
  const auto rows = read_rows(d / "f.jsonl");
  EXPECT_EQ(rows.size(), expected);
  for (const auto& row : rows) {
    EXPECT_EQ(row["op"], "softmax");
    EXPECT_GE(row["bench"]["latency_us"]["p50"].get<double>(), lo);
    EXPECT_LE(row["bench"]["latency_us"]["p50"].get<double>(), hi);
  }
  const auto none = foundry_cmd({"export", a.dir.string(), "--out", (d / "n.jsonl").string(), "--status", "mismatch,timeout"});
  ASSERT_EQ(none.exit_code, 0) << none.output;
  std::size_t failing = 0;
  for (const auto& rec : records) failing += rec["status"] == "mismatch" || rec["status"] == "timeout";
  EXPECT_EQ(read_rows(d / "n.jsonl").size(), failing);
}

TEST(Export, BadInputAndAnAlteredKernelAreRefusedNamingTheFlagOrFile) {
  const auto& a = foundry_test::real_session();
  const fs::path d = foundry_test::scratch_dir("bad");
  const std::string out = (d / "x.jsonl").string();
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"export", a.dir.string(), "--out", out, "--ops", "rmsnorm,nosuchop"}, "--ops nosuchop: unknown op"},
      {{"export", a.dir.string(), "--out", out, "--status", "fine"}, "--status fine: not a status"},
      {{"export", a.dir.string(), "--out", out, "--min-p50", "5", "--max-p50", "2"}, "--min-p50 5 is above --max-p50 2"},
      {{"export", (d / "nope").string(), "--out", out}, "nope: no such directory"},
      {{"export", d.string(), "--out", out}, "not a foundry session"},
      {{"export", a.dir.string(), "--out", (d / "no" / "dir" / "x.jsonl").string()}, "--out"},
  };
  for (const auto& [args, message] : cases) {
    const auto r = foundry_cmd(args);
    EXPECT_NE(r.exit_code, 0) << args.back();
    EXPECT_NE(r.output.find(message), std::string::npos) << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
    EXPECT_FALSE(fs::exists(out)) << "nothing written";
  }

  // A kernel altered after it was recorded: its record no longer describes it.
  const fs::path copy = d / "session";
  fs::copy(a.dir, copy, fs::copy_options::recursive);
  const auto rec = foundry_test::read_records(copy).front();
  const fs::path kernel = copy / rec["source_path"].get<std::string>();
  std::ofstream(kernel, std::ios::app) << "// edited\n";
  const auto r = foundry_cmd({"export", copy.string(), "--out", out});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find(kernel.string() + ": its SHA-256 is not the source_sha256"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out + ".tmp"));
}

}  // namespace
}  // namespace foundry::report
