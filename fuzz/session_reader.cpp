// The session reader (src/run/session.*, record_from_json): any
// attempts.ndjson either opens or throws std::runtime_error naming the file
// and line. Opening keeps exactly the bytes up to the last newline (a torn
// tail is dropped), and every record read back survives to_json and
// record_from_json unchanged.
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include "run/record.hpp"
#include "run/session.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path& session_dir() {
  static const fs::path dir = [] {
    std::string tmpl = (fs::temp_directory_path() / "foundry-fuzz-session-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) __builtin_trap();
    std::atexit([] { fs::remove_all(session_dir()); });
    return fs::path(tmpl);
  }();
  return dir;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const fs::path log = session_dir() / "attempts.ndjson";
  {
    std::ofstream out(log, std::ios::binary | std::ios::trunc);
    out << text;
  }
  try {
    foundry::read_session_records(session_dir());
  } catch (const std::runtime_error&) {
  }
  try {
    const foundry::Session session(session_dir());
    const auto nl = text.rfind('\n');
    if (slurp(log) != text.substr(0, nl == std::string::npos ? 0 : nl + 1)) __builtin_trap();
    for (const auto& r : session.records()) {
      const nlohmann::json j = foundry::to_json(r);
      if (foundry::to_json(foundry::record_from_json(j)) != j) __builtin_trap();
    }
  } catch (const std::runtime_error&) {
  }
  return 0;
}
