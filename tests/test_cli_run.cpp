// End-to-end runs of the real binary: real compiles, worker processes, files.
#include <signal.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <sstream>
#include <thread>

#include "cli_helpers.hpp"
#include "core/hash.hpp"
#include "run/record.hpp"

using namespace foundry_test;

TEST(RunCases, ListCasesPrintsEveryCaseWithItsBudgetAndRecordsNothing) {
  const auto d = scratch_dir("s") / "session";
  auto r = foundry_cmd({"run", "--ops", "rmsnorm", "dropout", "--dtypes", "f32", "--shapes", "prefill", "--n-per-case", "3",
                        "--list-cases", "--session-dir", d.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::map<std::string, int> per_op;
  std::set<std::string> seen;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);) {
    const auto c = nlohmann::json::parse(line);
    ++per_op[c.at("op").get<std::string>()];
    EXPECT_EQ(c.at("dtype"), "f32") << line;
    EXPECT_EQ(c.at("regime"), "prefill") << line;
    EXPECT_EQ(c.at("budget"), 3) << line;
    EXPECT_TRUE(seen.insert(c.at("op").dump() + c.at("shape").dump() + c.at("params").dump()).second) << "twice: " << line;
  }
  // rmsnorm: one prefill shape x eps {1e-5, 1e-6}; dropout: p {0.1, 0.5, 0.9} x four seeds.
  EXPECT_EQ(per_op, (std::map<std::string, int>{{"dropout", 12}, {"rmsnorm", 2}})) << r.output;
  EXPECT_FALSE(fs::exists(d)) << "nothing is recorded";
  // A bad selector is still an error.
  EXPECT_NE(foundry_cmd({"run", "--ops", "nosuchop", "--list-cases"}).exit_code, 0);
}

TEST(RunRefCache, ASecondRunOnTheSameCaseReadsTheKeptInputsAndReferencesAndJudgesAlike) {
  // One bf16 prefill case (4096 x 4096, one test: about 200 MB kept), twice.
  const auto d = scratch_dir("s");
  auto args = [&](const std::string& session) {
    return std::vector<std::string>{"run", "--ops", "rmsnorm", "--dtypes", "bf16", "--shapes", "prefill", "--param",
                                    "eps=1e-05", "-n", "1", "--correctness-tests", "1", "--confirm", "0", "--repeats", "5",
                                    "--no-worker-guard", "--ref-cache-gib", "1", "--cache-dir", (d / "cache").string(),
                                    "--session-dir", (d / session).string()};
  };
  auto r = foundry_cmd(args("a"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const fs::path refs = d / "cache" / "cpu" / "references";
  std::vector<fs::path> entries;
  for (const auto& e : fs::directory_iterator(refs)) entries.push_back(e.path());
  ASSERT_EQ(entries.size(), 1u) << "one test of one case, written before the run ended";
  EXPECT_EQ(entries[0].extension(), ".bin");
  const auto long_ago = fs::file_time_type::clock::now() - std::chrono::hours(24 * 365);
  fs::last_write_time(entries[0], long_ago);
  r = foundry_cmd(args("b"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_GT(fs::last_write_time(entries[0]), long_ago + std::chrono::hours(24)) << "read by the second run";
  const auto a = read_records(d / "a"), b = read_records(d / "b");
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0]["id"], b[0]["id"]) << "the same variant";
  EXPECT_EQ(a[0]["status"], "ok");
  EXPECT_EQ(a[0]["correctness"], b[0]["correctness"]) << "the same inputs and references give the same errors, bit for bit";
  // Guarded workers may not write files: nothing is kept for them.
  auto guarded = args("c");
  guarded.erase(std::find(guarded.begin(), guarded.end(), "--no-worker-guard"));
  fs::remove_all(refs);
  r = foundry_cmd(guarded);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_FALSE(fs::exists(refs));
}

TEST(RunFaults, EveryFaultIsRecordedWithItsStatusAndTheRunGoesOn) {
  auto d = scratch_dir("s");
  std::vector<std::string> args{"run", "--templates", kFixtureTemplates, "--ops", "rmsnorm", "-n", "8",
                                "--dtypes", "f32", "--bench-timeout", "3", "--session-dir", d.string()};
  for (const auto& f : quick_flags()) args.push_back(f);
  auto r = foundry_cmd(args);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::map<std::string, std::string> status;
  for (const auto& rec : read_records(d)) status[rec["template_id"]] = rec["status"];
  const std::map<std::string, std::string> expected{
      {"fault_segfault", "runtime_fault"}, {"fault_hang", "timeout"},        {"fault_copy_input", "mismatch"},
      {"fault_skip_last", "unwritten"},    {"fault_nan", "nonfinite"},       {"fault_syntax", "compile_error"},
      {"fault_constraint", "invalid_knobs"}, {"good_reference", "ok"}};
  EXPECT_EQ(status, expected) << r.output;
  for (const auto& rec : read_records(d)) {
    if (rec["status"] == "ok") {
      EXPECT_TRUE(rec["correctness"]["ok"].get<bool>());
      EXPECT_GT(rec["bench"]["latency_us"]["p50"].get<double>(), 0);
      EXPECT_GT(rec["bench"]["gbps"].get<double>(), 0);
    } else {
      EXPECT_FALSE(rec["correctness"]["ok"].get<bool>()) << rec.dump();
      EXPECT_TRUE(rec["bench"]["latency_us"].is_null()) << "a failed variant is never timed";
    }
    if (rec["status"] == "compile_error") EXPECT_FALSE(rec["build"]["log"].get<std::string>().empty());
    if (rec["status"] == "invalid_knobs") EXPECT_TRUE(rec["build"]["ms"].is_null()) << "never compiled";
  }
}

TEST(RunRecords, ReadBackAsRecordsOfTheSchemaAndTheirReproLinePrintsTheirExactSource) {
  auto d = scratch_dir("s");
  std::vector<std::string> args{"run", "--ops", "rmsnorm", "-n", "3", "--dtypes", "bf16", "--session-dir", d.string()};
  for (const auto& f : quick_flags()) args.push_back(f);
  auto r = foundry_cmd(args);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto recs = read_records(d);
  ASSERT_EQ(recs.size(), 3u);
  for (const auto& j : recs) {
    const foundry::Record rec = foundry::record_from_json(j);  // every field, typed
    EXPECT_EQ(foundry::to_json(rec), j) << "the typed record writes back what was read";
    EXPECT_EQ(rec.strategy.name, "random");
    EXPECT_EQ(rec.env.run_seed, 1u);
    EXPECT_TRUE(std::filesystem::exists(d / rec.source_path));
    const std::string source = read_file(d / rec.source_path);
    EXPECT_EQ(foundry::sha256_hex(source), rec.source_sha256);
    // The repro line, run as written, prints that exact source.
    ASSERT_EQ(rec.repro.render.rfind("foundry render ", 0), 0u) << rec.repro.render;
    std::vector<std::string> render_args;
    std::istringstream words(rec.repro.render.substr(std::string("foundry ").size()));
    for (std::string w; words >> w;) render_args.push_back(w);
    auto rendered = foundry_cmd(render_args);
    ASSERT_EQ(rendered.exit_code, 0) << rendered.output;
    EXPECT_EQ(foundry::sha256_hex(rendered.output), rec.source_sha256) << rec.repro.render;
    EXPECT_NE(rec.repro.run.find("--correctness-tests 2 --warmup 1 --repeats 5"), std::string::npos) << rec.repro.run;
    EXPECT_NE(rec.repro.run.find("--no-flush"), std::string::npos) << rec.repro.run;
  }
  const auto sj = nlohmann::json::parse(read_file(d / "session.json"));
  EXPECT_EQ(sj["record_schema"], foundry::kRecordSchema);
  EXPECT_EQ(sj["runs"].back()["mode"], "random");
  EXPECT_TRUE(nlohmann::json::parse(read_file(d / "search_state.json"))["strategies"].contains("random"));
}

TEST(RunModes, EveryStrategyRunsOnTheCpuAndTheRunPrintsItsPairwiseCoverage) {
  auto d = scratch_dir("s");
  for (const std::string mode : {"random", "coverage", "mutation", "cem", "anneal", "mix"}) {
    std::vector<std::string> args{"run", "--ops", "rmsnorm", "-n", "2", "--dtypes", "f32", "--mode", mode, "--cem-generation", "4",
                                  "--session-dir", (d / mode).string()};
    for (const auto& f : quick_flags()) args.push_back(f);
    auto r = foundry_cmd(args);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("pairwise coverage of knob values by the " + mode + " searches"), std::string::npos) << r.output;
    const auto recs = read_records(d / mode);
    ASSERT_EQ(recs.size(), 2u) << mode;
    for (const auto& rec : recs) EXPECT_EQ(rec["strategy"]["name"], mode);
    const auto sj = nlohmann::json::parse(read_file(d / mode / "session.json"));
    EXPECT_EQ(sj["runs"].back()["strategy_options"]["cem_generation"], 4);
    EXPECT_TRUE(nlohmann::json::parse(read_file(d / mode / "search_state.json"))["strategies"].contains(mode));
  }
}

TEST(RunTemplates, EveryShippedCpuTemplateHasCorrectVariants) {
  // Every op with cpu templates, a few variants per template on small shapes.
  auto listing = foundry_cmd({"list", "--json"});
  ASSERT_EQ(listing.exit_code, 0) << listing.output;
  std::set<std::string> shipped;
  std::vector<std::string> args{"run", "--session-dir", (scratch_dir("s") / "s").string(), "--ops"};
  for (const auto& o : nlohmann::json::parse(listing.output)) {
    if (o["templates"]["cpu"].empty()) continue;
    args.push_back(o["name"]);
    for (const auto& t : o["templates"]["cpu"]) shipped.insert(t.get<std::string>());
  }
  const auto session = fs::path(args[2]);
  for (const auto& f : quick_flags()) args.push_back(f);
  args.insert(args.end(), {"-n", "9"});
  auto r = foundry_cmd(args);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::map<std::string, int> ok;
  std::set<std::string> tried;
  for (const auto& rec : read_records(session)) {
    tried.insert(rec["template_id"]);
    if (rec["status"] == "ok") ++ok[rec["template_id"]];
    EXPECT_NE(rec["status"], "harness_error") << rec.dump();
  }
  EXPECT_EQ(tried, shipped);
  for (const auto& t : shipped) EXPECT_GE(ok[t], 1) << t << " has no correct variant";
}

TEST(RunResume, SigkillThenRerunLosesAndDuplicatesNothingAndProposesWhatAnUninterruptedRunWould) {
  auto d = scratch_dir("s");
  auto cache = scratch_dir("cache");  // cold cache: the run is slow enough to be killed midway
  std::vector<std::string> args{"run", "--ops", "rmsnorm", "softmax", "-n", "6", "--dtypes", "f32", "--session-dir",
                                (d / "s").string()};
  for (const auto& f : quick_flags()) args.push_back(f);
  const std::size_t held = run_and_kill(args, d / "s", 3, cache);
  const auto before = read_records(d / "s");
  ASSERT_GE(held, 3u);
  ASSERT_LT(held, 12u) << "the run finished before it could be killed";

  auto r = foundry_cmd(args, cache);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto after = read_records(d / "s");
  std::set<std::string> ids;
  for (const auto& rec : after) EXPECT_TRUE(ids.insert(rec["id"].get<std::string>()).second) << "duplicate record";
  for (const auto& rec : before) EXPECT_TRUE(ids.count(rec["id"].get<std::string>())) << "lost record";
  EXPECT_EQ(after.size(), 12u);
  EXPECT_NE(r.output.find("already recorded"), std::string::npos);
  EXPECT_NE(r.output.find("from their saved state"), std::string::npos) << r.output;

  // The same command uninterrupted proposes exactly the same variants.
  auto whole_args = args;
  whole_args[whole_args.size() - quick_flags().size() - 1] = (d / "whole").string();
  auto whole = foundry_cmd(whole_args, cache);
  ASSERT_EQ(whole.exit_code, 0) << whole.output;
  EXPECT_EQ(proposals_of(d / "s"), proposals_of(d / "whole"));

  // A third run has nothing left to do.
  auto again = foundry_cmd(args, cache);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(read_records(d / "s").size(), 12u);
}
