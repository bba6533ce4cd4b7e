#include "run/record.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>

#include "ops/registry.hpp"

using namespace foundry;
using nlohmann::json;

namespace {

// A record with every optional field set.
Record full_record() {
  Candidate c;
  c.op = "rmsnorm";
  c.backend = "cuda";
  c.dtype = DType::bf16;
  c.regime = Regime::prefill;
  c.shape = {{"rows", 16384}, {"cols", 4096}};
  c.params = {{"eps", 1e-5}};
  c.template_id = "rmsnorm_vec";
  c.knobs = {{"VEC", 8}, {"THREADS", 256}};
  c.input_seed = 3;
  c.source = "kernel";
  finalize_identity(c);
  BuildResult b;
  b.ok = true;
  b.ms = 12;
  b.flags = {"-O3"};
  b.log = "warning";
  b.registers = 32;
  b.smem_bytes = 0;
  b.spill_bytes = 0;
  b.stack_bytes = 8;
  EvalResult e;
  e.n_tests = 3;
  e.check.max_abs_err = 1e-3;
  e.check.detail = "fine";
  e.latency_us = LatencyStats{10, 11, 9, 10.2, 0.3, 50};
  e.prepare_ms = 1;
  RecordInputs in;
  in.candidate = &c;
  in.seq = 4;
  in.source_path = "kernels/x.cu";
  in.status = Status::ok;
  in.error = "none";
  in.launch = Launch{16384, 256, 0};
  in.build = &b;
  in.eval = &e;
  RecordContext ctx{RecordEnv{FOUNDRY_VERSION, "H200", "nvrtc 13", 4000, 1}, "cuda_event", {"--arch", "sm_90"},
                    "--backend cuda --seed 1", "random"};
  return make_record(Registry::instance().get("rmsnorm"), in, ctx);
}

void paths(const json& j, const std::string& prefix, std::set<std::string>& out) {
  for (const auto& [k, v] : j.items()) {
    const std::string p = prefix.empty() ? k : prefix + "." + k;
    out.insert(p);
    if (v.is_object() && k != "shape" && k != "params" && k != "knobs") paths(v, p, out);
  }
}

}  // namespace

TEST(Record, RoundTripsThroughJson) {
  const Record r = full_record();
  const json j = to_json(r);
  EXPECT_EQ(to_json(record_from_json(j)), j);
  EXPECT_EQ(j["schema"], kRecordSchema);
  EXPECT_EQ(j["strategy"]["seq"], 4);
  EXPECT_EQ(j["repro"]["render"],
            "foundry render --backend cuda --template rmsnorm_vec --dtype bf16 --arch sm_90 --knob THREADS=256 --knob VEC=8");
  EXPECT_NEAR(j["bench"]["pct_of_copy"].get<double>(), 100.0 * j["bench"]["gbps"].get<double>() / 4000, 1e-9);
  EXPECT_EQ(r.cost(), 10);
}

TEST(Record, TheSchemaDocumentListsExactlyTheFieldsTheCodeWrites) {
  std::ifstream in(std::string(FOUNDRY_SOURCE_DIR) + "/docs/RECORD_SCHEMA.md");
  ASSERT_TRUE(in) << "docs/RECORD_SCHEMA.md";
  std::set<std::string> documented;
  const std::regex row(R"(^\| `([a-z0-9_.]+)` \|)");
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, row)) documented.insert(m[1]);
  }
  std::set<std::string> written;
  paths(to_json(full_record()), "", written);
  EXPECT_EQ(documented, written);
}

TEST(Record, AnOlderOrBrokenRecordIsRefusedByName) {
  json j = to_json(full_record());
  j.erase("schema");
  try {
    record_from_json(j);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("older foundry"), std::string::npos) << e.what();
  }
  j = to_json(full_record());
  j["bench"].erase("timer");
  try {
    record_from_json(j);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("timer"), std::string::npos) << e.what();
  }
  j = to_json(full_record());
  j["status"] = "great";
  EXPECT_THROW(record_from_json(j), std::runtime_error);
}

TEST(Record, AFailedVariantIsNeverTimed) {
  Record r = full_record();
  Candidate c;
  c.op = "rmsnorm";
  c.source = "x";
  finalize_identity(c);
  EvalResult e;
  e.n_tests = 1;
  e.latency_us = LatencyStats{1, 1, 1, 1, 0, 3};
  RecordInputs in;
  in.candidate = &c;
  in.status = Status::mismatch;
  in.eval = &e;
  Record f = make_record(Registry::instance().get("rmsnorm"), in, RecordContext{});
  EXPECT_FALSE(f.bench.latency_us);
  EXPECT_FALSE(f.correctness.ok);
  EXPECT_EQ(f.cost(), std::numeric_limits<double>::infinity());
}

TEST(Record, ALatencyBelowTheTrafficFloorIsSuspectAndNeverACost) {
  // full_record: 16384 x 4096 bf16 rmsnorm (268 MB of minimum traffic) in a
  // p50 of 10 us, against a copy bandwidth of 4000 GB/s: 6700 % of copy.
  const Record plain = full_record();
  EXPECT_TRUE(plain.labels.empty()) << "no floor without a margin (a run that did not flush)";
  EXPECT_EQ(plain.cost(), 10);

  Candidate c;
  c.op = "rmsnorm";
  c.dtype = DType::bf16;
  c.shape = {{"rows", 16384}, {"cols", 4096}};
  c.params = {{"eps", 1e-5}};
  c.source = "x";
  finalize_identity(c);
  EvalResult e;
  e.n_tests = 3;
  RecordInputs in;
  in.candidate = &c;
  in.status = Status::ok;
  in.eval = &e;
  RecordContext ctx{RecordEnv{FOUNDRY_VERSION, "H200", "nvrtc 13", 4000, 1}, "cuda_event", {}, "", "random", 1.15};
  const double bytes = 2.0 * 16384 * 4096 * 2 + 4096 * 2;
  const double floor_us = bytes / (4000e9 * 1.15) * 1e6;  // 58.4 us
  e.latency_us = LatencyStats{floor_us * 0.9, floor_us, floor_us * 0.9, floor_us, 0, 20};
  Record fast = make_record(Registry::instance().get("rmsnorm"), in, ctx);
  EXPECT_EQ(fast.labels, std::vector<std::string>{kSuspectLabel});
  EXPECT_TRUE(fast.has_label("suspect"));
  EXPECT_EQ(fast.status, Status::ok) << "a label, not a status";
  EXPECT_EQ(fast.cost(), std::numeric_limits<double>::infinity()) << "strategies never chase a suspect latency";
  EXPECT_EQ(to_json(fast)["labels"], json::array({"suspect"}));
  EXPECT_EQ(record_from_json(to_json(fast)).labels, fast.labels);

  e.latency_us = LatencyStats{floor_us * 1.1, floor_us * 1.2, floor_us * 1.1, floor_us * 1.1, 0, 20};
  Record honest = make_record(Registry::instance().get("rmsnorm"), in, ctx);
  EXPECT_TRUE(honest.labels.empty());
  EXPECT_EQ(to_json(honest)["labels"], json::array());
  EXPECT_NEAR(honest.cost(), floor_us * 1.1, 1e-9);
}

// An integer field holding a float, or an integer beyond its type, is refused
// like any broken record (get<int>() of 1e300 was undefined behaviour).
TEST(Record, AnIntegerFieldThatIsNotAnIntegerOfItsRangeIsRefused) {
  const json good = to_json(full_record());
  for (const auto& [path, value] : std::vector<std::pair<std::string, json>>{
           {"/launch/threads", 1e300}, {"/launch/grid", 2.5}, {"/shape/rows", -1e300}, {"/knobs/VEC", 1e19},
           {"/input_seed", -1}, {"/strategy/seq", 1e300}, {"/bench/n", 4294967296.0}, {"/build/registers", 1e10},
           {"/correctness/n_tests", "3"}, {"/env/run_seed", 0.5}}) {
    json bad = good;
    bad[json::json_pointer(path)] = value;
    EXPECT_THROW(record_from_json(bad), std::runtime_error) << path << " = " << value;
  }
  EXPECT_EQ(to_json(record_from_json(good)), good);
}
