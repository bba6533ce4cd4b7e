// The adversarial fault zoo (tests/fixtures/zoo): every kernel run through the
// real binary on every case of --shapes decode odd, each record's status held
// to the statuses tests/fixtures/zoo/expected.json declares for its template.
// The cpu half runs here; the cuda half compiles here and runs on a GPU.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "cli_helpers.hpp"
#include "cuda_helpers.hpp"

using namespace foundry_test;
using nlohmann::json;

namespace {

const std::string kZoo = kTestDir + "/fixtures/zoo";

json zoo_expected(const std::string& backend) { return json::parse(read_file(kZoo + "/expected.json")).at(backend); }

// Template ids of one backend's zoo: the file names under <op>/<backend>/.
std::set<std::string> zoo_templates(const std::string& backend) {
  std::set<std::string> ids;
  for (const auto& op : fs::directory_iterator(kZoo)) {
    if (!op.is_directory() || !fs::is_directory(op.path() / backend)) continue;
    for (const auto& f : fs::directory_iterator(op.path() / backend)) ids.insert(f.path().stem().string());
  }
  return ids;
}

std::vector<std::string> zoo_run_args(const std::string& backend, const fs::path& session) {
  // Every template on every case (no op has 32 zoo templates), small shapes.
  // At least 10 latency samples: a kernel that cheats on repeated inputs
  // meets them in some timed run (three in four read test 0) all but surely.
  return {"run", "--backend", backend, "--templates", kZoo, "--ops", "rmsnorm", "softmax", "--n-per-case", "32",
          "--dtypes", "f32", "--shapes", "decode", "odd", "--warmup", "1", "--repeats", "20", "--no-flush",
          "--correctness-tests", "2", "--session-dir", session.string()};
}

// What the tests below share: each record's status is one its template
// declares (`which`: "statuses", or "compile_only"); no fault is ok unless
// the file says no guard catches it; controls are ok (or compiled) on every
// case; every template ran on every case of its op and on at least one that
// exposes its fault. Returns template -> status -> count, for the log.
std::map<std::string, std::map<std::string, int>> expect_declared(const std::string& backend, const fs::path& session,
                                                                  const std::string& which) {
  const json expected = zoo_expected(backend);
  std::set<std::string> declared;
  for (const auto& [id, e] : expected.items()) {
    declared.insert(id);
    for (const auto& s : e.at("statuses"))
      if (!e.value("control", false)) EXPECT_NE(s, "ok") << id << ": ok is never a correct label for a zoo kernel";
  }
  EXPECT_EQ(declared, zoo_templates(backend)) << "every zoo template is declared in expected.json, and only those";

  // Confirm-pass labels: record id -> the checks it failed (confirmations.ndjson).
  std::map<std::string, std::set<std::string>> failed_checks;
  if (fs::exists(session / "confirmations.ndjson"))
    for (const auto& c : read_ndjson_file(session / "confirmations.ndjson"))
      if (c["status"] != "ok")
        failed_checks[c["id"]].insert(c["check"] == "fresh_seeds"   ? "unconfirmed"
                                      : c["check"] == "repeat_runs" ? "nondeterministic"
                                                                    : "sanitizer");
  std::map<std::string, std::map<std::string, int>> seen;
  std::map<std::string, std::set<std::string>> cases_of_op, templates_of_op;
  std::set<std::pair<std::string, std::string>> tried;  // (template, case)
  for (const auto& rec : read_records(session)) {
    const std::string id = rec["template_id"], status = rec["status"];
    const std::string where = id + " " + rec["dtype"].get<std::string>() + " " + rec["shape"].dump() + " " +
                              rec["params"].dump() + ": " + status + " " + rec["error"].dump();
    ++seen[id][status];
    const std::string cs = rec["shape"].dump() + rec["params"].dump() + rec["dtype"].get<std::string>();
    cases_of_op[rec["op"]].insert(cs);
    templates_of_op[rec["op"]].insert(id);
    EXPECT_TRUE(tried.insert({id, cs}).second) << "tried twice: " << where;
    if (!expected.contains(id)) {
      ADD_FAILURE() << "not declared in expected.json: " << where;
      continue;
    }
    const json& e = expected[id];
    std::set<std::string> allowed;
    for (const auto& s : e.value(which, e.at("statuses"))) allowed.insert(s);
    if (status == "ok" && e.contains("uncaught")) continue;  // a declared hole: the file says why
    if (status == "ok" && e.contains("labels") && which == "statuses") {
      bool labelled = false;
      for (const auto& l : e["labels"]) labelled |= failed_checks[rec["id"]].count(l.get<std::string>()) > 0;
      EXPECT_TRUE(labelled) << "ok without one of its declared labels " << e["labels"].dump() << ": " << where;
      ++seen[id]["ok+" + e["labels"][0].get<std::string>()];
      --seen[id][status];
      continue;
    }
    EXPECT_TRUE(allowed.count(status)) << where;
    if (e.contains("error_contains") && status != "invalid_knobs" && which == "statuses")
      EXPECT_NE(rec["error"].get<std::string>().find(e["error_contains"].get<std::string>()), std::string::npos) << where;
    if (status != "ok") EXPECT_TRUE(rec["bench"]["latency_us"].is_null()) << "a failed variant has no latency: " << where;
    if (e.value("control", false) && which == "statuses")
      EXPECT_FALSE(rec["bench"]["latency_us"].is_null()) << "a control is timed: " << where;
  }
  std::size_t expected_records = 0;
  for (const auto& [op, ids] : templates_of_op) expected_records += ids.size() * cases_of_op[op].size();
  EXPECT_EQ(tried.size(), expected_records) << "every template on every case of its op, each recorded once";
  for (const auto& id : declared) {
    EXPECT_TRUE(seen.count(id)) << id << " never ran";
    int exposed = 0;
    for (const auto& [status, n] : seen[id])
      if (status != "invalid_knobs") exposed += n;
    EXPECT_GT(exposed, 0) << id << " never ran on a shape that exposes it";
  }
  return seen;
}

void log_table(const std::map<std::string, std::map<std::string, int>>& seen) {
  for (const auto& [id, statuses] : seen) {
    std::string line = id + ":";
    for (const auto& [s, n] : statuses) line += " " + s + "=" + std::to_string(n);
    std::printf("  %s\n", line.c_str());
  }
}

// The whole zoo of `backend` in one run (with `extra` flags), held to `which`.
void run_zoo(const std::string& backend, const std::vector<std::string>& extra, const std::string& which) {
  auto d = scratch_dir("s");
  auto args = zoo_run_args(backend, d);
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = foundry_cmd(args);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  log_table(expect_declared(backend, d, which));
}

}  // namespace

// Every ok variant is confirmed (fresh seeds, three runs on the same inputs), not only each case's best.
TEST(Zoo, EveryCpuFaultGetsADeclaredLabelAndTheRunGoesOn) {
  run_zoo("cpu", {"--bench-timeout", "3", "--confirm", "32"}, "statuses");
}

TEST(CudaCompileOnly, TheZooCompilesOrFailsToAsDeclared) {
  require_nvrtc();
  run_zoo("cuda", {"--compile-only", "--arch", "sm_90"}, "compile_only");
}

TEST(CudaZoo, EveryGpuFaultGetsADeclaredLabelAndTheRunGoesOn) {
  std::string why;
  if (!have_gpu(&why)) GTEST_SKIP() << "skipped: needs an NVIDIA GPU (" << why << ")";
  // Every ok variant of every case through compute-sanitizer memcheck and racecheck.
  run_zoo("cuda", {"--bench-timeout", "5", "--sanitize", "--confirm", "32"}, "statuses");
}
