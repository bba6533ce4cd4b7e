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
