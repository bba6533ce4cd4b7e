#include "harness/worker_protocol.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "harness/worker_process.hpp"

namespace foundry {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

EvalRequest sample_request() {
  EvalRequest r;
  r.op = "rmsnorm";
  r.dtype = DType::bf16;
  r.shape = {{"rows", 8}, {"cols", 4096}};
  r.params = {{"eps", 1e-6}};
  r.seed = 7;
  r.artifact = "/nowhere/k.so";
  r.grid = 8;
  r.threads = 2;
  return r;
}

TEST(WorkerProtocol, LinesAWorkerSendsAreReadAsTheirKind) {
  EXPECT_EQ(parse_worker_message("{\"phase\": \"check\"}").kind, WorkerMessage::Kind::phase);
  EXPECT_EQ(parse_worker_message("{\"phase\": \"bench\"}").phase, "bench");
  EvalResult r;
  r.status = Status::mismatch;
  r.error = "y[3]";
  r.n_tests = 2;
  r.check.mismatches = 5;
  r.latency_us = LatencyStats{1.5, 2, 1, 1.6, 0.1, 40};
  const WorkerMessage m = parse_worker_message(json{{"result", to_json(r)}}.dump());
  ASSERT_EQ(m.kind, WorkerMessage::Kind::result);
  EXPECT_EQ(m.result.status, Status::mismatch);
  EXPECT_EQ(m.result.error, "y[3]");
  EXPECT_EQ(m.result.check.mismatches, 5);
  ASSERT_TRUE(m.result.latency_us);
  EXPECT_EQ(m.result.latency_us->n, 40);
  for (const char* ignored : {"", "kernel output", "[1, 2]", "\"phase\"", "{\"other\": 1}"})
    EXPECT_EQ(parse_worker_message(ignored).kind, WorkerMessage::Kind::none) << ignored;
}

// The line worker_guard.cpp writes from its signal handler.
TEST(WorkerProtocol, AGuardedWorkersLastWordsAreReadWithOrWithoutALimit) {
  WorkerMessage m = parse_worker_message("{\"died\":{\"signal\":11,\"vm_bytes\":4096,\"as_limit\":8192}}");
  ASSERT_EQ(m.kind, WorkerMessage::Kind::died) << m.error;
  EXPECT_EQ(m.died.signal, 11);
  EXPECT_EQ(m.died.vm_bytes, 4096u);
  EXPECT_EQ(m.died.as_limit, std::optional<uint64_t>(8192));
  m = parse_worker_message("{\"died\":{\"signal\":6,\"vm_bytes\":18446744073709551615,\"as_limit\":null}}");
  ASSERT_EQ(m.kind, WorkerMessage::Kind::died) << m.error;
  EXPECT_EQ(m.died.vm_bytes, UINT64_MAX);
  EXPECT_FALSE(m.died.as_limit);
}

// A "phase", "died" or "result" of the wrong shape used to throw out of the
// coordinator's read loop (or, for "died", out of its reading of a dead
// worker's last words) and leave the worker running, so that its next answer
// would be taken for the next request's.
TEST(WorkerProtocol, ALineOfTheWrongShapeIsMalformedNeverAnException) {
  for (const char* bad : {"{\"phase\": 5}", "{\"phase\": null}", "{\"phase\": \"\"}", "{\"phase\": \"Check now\"}",
                          "{\"died\": 1}", "{\"died\": {}}", "{\"died\": {\"signal\": 11, \"vm_bytes\": 1}}",
                          "{\"died\": {\"signal\": \"SEGV\", \"vm_bytes\": 1, \"as_limit\": null}}",
                          "{\"died\": {\"signal\": 0, \"vm_bytes\": 1, \"as_limit\": null}}",
                          "{\"died\": {\"signal\": 11, \"vm_bytes\": -1, \"as_limit\": null}}",
                          "{\"died\": {\"signal\": 11, \"vm_bytes\": 1, \"as_limit\": 1e300}}",
                          "{\"result\": 1}", "{\"result\": {}}", "{\"result\": {\"status\": \"ok\", \"check\": []}}",
                          "{\"result\": {\"status\": \"ok\", \"error\": 3, \"check\": {}}}",
                          "{\"result\": {\"status\": \"ok\", \"n_tests\": 2.5, \"check\": {}}}",
                          "{\"result\": {\"status\": \"ok\", \"ms\": 1, \"check\": {}}}"}) {
    WorkerMessage m;
    ASSERT_NO_THROW(m = parse_worker_message(bad)) << bad;
    EXPECT_EQ(m.kind, WorkerMessage::Kind::malformed) << bad;
    EXPECT_FALSE(m.error.empty()) << bad;
  }
  // An integer out of its field's range is refused, not cast (get<int> of 1e300 is undefined).
  EvalResult r;
  json big = to_json(r);
  big["check"]["mismatches"] = 1e300;
  const WorkerMessage m = parse_worker_message(json{{"result", big}}.dump());
  EXPECT_EQ(m.kind, WorkerMessage::Kind::malformed);
  EXPECT_NE(m.error.find("result: expected an integer"), std::string::npos) << m.error;
}

TEST(WorkerProtocol, ARequestReadsBackAsSentAndABadOneSaysWhy) {
  const json sent = to_json(sample_request());
  EXPECT_EQ(to_json(parse_worker_request(sent.dump())), sent);
  EvalRequest with_next = sample_request();
  with_next.next = {"softmax", DType::f16, {{"rows", 4}, {"cols", 64}}, {}, 99, 3};
  const EvalRequest back = parse_worker_request(to_json(with_next).dump());
  EXPECT_EQ(to_json(back), to_json(with_next));
  EXPECT_EQ(back.next.op, "softmax");
  EXPECT_EQ(back.next.seed, 99u);
  EXPECT_FALSE(sent.contains("next"));  // no hint, no field
  json bad_dtype = sent;
  bad_dtype["dtype"] = "f64";
  try {
    parse_worker_request(bad_dtype.dump());
    FAIL() << "an unknown dtype was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("f64"), std::string::npos) << e.what();
  }
  json big_threads = sent;
  big_threads["threads"] = 4294967296;
  EXPECT_THROW(parse_worker_request(big_threads.dump()), std::runtime_error);
  EXPECT_THROW(parse_worker_request("{\"op\": \"rmsnorm\"}"), std::runtime_error);
  EXPECT_THROW(parse_worker_request("not json"), std::runtime_error);
}

// A fake worker: a shell script the WorkerProcess starts in place of `foundry worker`.
fs::path fake_worker(const std::string& name, const std::string& script) {
  const auto dir = fs::path(::testing::TempDir()) / "foundry-tests" / "worker-protocol" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto exe = dir / "worker.sh";
  std::ofstream(exe) << "#!/bin/sh\n" << script;
  chmod(exe.c_str(), 0755);
  return exe;
}

// A worker that announces a phase of the wrong shape is killed and the
// candidate gets harness_error at once; the next request starts a fresh one.
TEST(WorkerProtocol, AWorkerThatSendsAMalformedLineIsReplaced) {
  const auto exe = fake_worker("malformed", "read request\necho '{\"phase\": 5}'\nexec sleep 30\n");
  WorkerProcess worker(exe.string(), "cpu");
  WorkerLimits limits;
  limits.prepare_s = 20;
  for (int i = 1; i <= 2; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const EvalResult r = worker.evaluate(sample_request(), limits);
    EXPECT_EQ(r.status, Status::harness_error);
    EXPECT_NE(r.error.find("malformed line during prepare: phase:"), std::string::npos) << r.error;
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 10);
    EXPECT_EQ(worker.restarts(), i);
  }
}

// The first worker sends a malformed result and then a well-formed one; the
// second answer must never be taken for the next request's: that request is
// answered by a fresh worker.
TEST(WorkerProtocol, TheAnswerAfterAMalformedLineIsNeverTheNextRequests) {
  const auto exe = fake_worker("stale", R"(dir=$(dirname "$0")
read request
if [ ! -e "$dir/started" ]; then
  touch "$dir/started"
  echo '{"result": {"status": "ok", "check": []}}'
  echo '{"result": {"status": "ok", "error": "stale", "check": {"status": "ok", "max_abs_err": 0, "max_rel_err": 0, "max_ulp": 0, "mismatches": 0, "detail": ""}}}'
else
  echo '{"result": {"status": "mismatch", "error": "fresh", "check": {"status": "mismatch", "max_abs_err": 1, "max_rel_err": 1, "max_ulp": 1, "mismatches": 3, "detail": "y"}}}'
fi
exec sleep 30
)");
  WorkerProcess worker(exe.string(), "cpu");
  WorkerLimits limits;
  limits.prepare_s = 20;
  const EvalResult first = worker.evaluate(sample_request(), limits);
  EXPECT_EQ(first.status, Status::harness_error);
  EXPECT_NE(first.error.find("malformed line during prepare: result:"), std::string::npos) << first.error;
  const EvalResult second = worker.evaluate(sample_request(), limits);
  EXPECT_EQ(second.status, Status::mismatch) << second.error;
  EXPECT_EQ(second.error, "fresh");
  EXPECT_EQ(second.check.mismatches, 3);
  EXPECT_EQ(worker.restarts(), 1);
}

// A guarded worker that dies of a signal near the address-space limit it
// reported is resource_limit; without a limit it is a runtime_fault; last
// words of the wrong shape are a harness_error, like any malformed line.
TEST(WorkerProtocol, AGuardedWorkersLastWordsDecideWhatItsDeathWas) {
  struct Case {
    const char* name;
    const char* died;
    Status status;
    const char* says;
  };
  for (const Case& c : {Case{"at_limit", R"({"died":{"signal":11,"vm_bytes":1073741000,"as_limit":1073741824}})",
                             Status::resource_limit, "address-space limit reached during check"},
                        Case{"unlimited", R"({"died":{"signal":11,"vm_bytes":1073741000,"as_limit":null}})",
                             Status::runtime_fault, "worker killed by signal 11"},
                        Case{"died_malformed", R"({"died":{"signal":11,"vm_bytes":"lots","as_limit":1073741824}})",
                             Status::harness_error, "malformed line during check: died:"}}) {
    const auto exe = fake_worker(c.name, std::string("read request\necho '{\"phase\": \"check\"}'\necho '") + c.died +
                                             "'\nkill -SEGV $$\nexec sleep 30\n");
    WorkerProcess worker(exe.string(), "cpu");
    WorkerLimits limits;
    limits.prepare_s = 20;
    limits.phase_s = 20;
    limits.memory_mib = 256;
    const EvalResult r = worker.evaluate(sample_request(), limits);
    EXPECT_EQ(r.status, c.status) << c.name << ": " << r.error;
    EXPECT_NE(r.error.find(c.says), std::string::npos) << c.name << ": " << r.error;
    EXPECT_EQ(worker.restarts(), 1) << c.name;
  }
}

}  // namespace
}  // namespace foundry
