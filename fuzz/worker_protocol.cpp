// The worker protocol (src/harness/worker_protocol.*): whatever line a worker
// writes, the coordinator's parser returns a message and never throws (a
// malformed one says why; a death names a signal); any request line the
// worker reads yields a request or std::runtime_error.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "harness/worker_protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string line(reinterpret_cast<const char*>(data), size);
  const foundry::WorkerMessage m = foundry::parse_worker_message(line);  // an exception here is a failure
  if (m.kind == foundry::WorkerMessage::Kind::malformed && m.error.empty()) __builtin_trap();
  if (m.kind == foundry::WorkerMessage::Kind::phase && m.phase.empty()) __builtin_trap();
  if (m.kind == foundry::WorkerMessage::Kind::died && m.died.signal <= 0) __builtin_trap();
  if (m.kind == foundry::WorkerMessage::Kind::result) {
    // What the worker sent is what the coordinator reads.
    const nlohmann::json j = foundry::to_json(m.result);
    const foundry::WorkerMessage again = foundry::parse_worker_message(nlohmann::json{{"result", j}}.dump());
    if (again.kind != foundry::WorkerMessage::Kind::result || foundry::to_json(again.result) != j) __builtin_trap();
  }
  try {
    const foundry::EvalRequest req = foundry::parse_worker_request(line);
    // What the coordinator sent is what the worker reads.
    const nlohmann::json j = foundry::to_json(req);
    if (foundry::to_json(foundry::parse_worker_request(j.dump())) != j) __builtin_trap();
  } catch (const std::runtime_error&) {
  }
  return 0;
}
