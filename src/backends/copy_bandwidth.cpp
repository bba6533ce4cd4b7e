#include "backends/copy_bandwidth.hpp"

#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/hash.hpp"

namespace foundry {

namespace fs = std::filesystem;
using nlohmann::json;

double cached_copy_gbps(const fs::path& dir, const std::string& device, const std::string& method,
                        const std::function<double()>& measure) {
  const fs::path p = dir / fmt::format("copy_bandwidth_{}.json", sha256_hex(device).substr(0, 16));
  if (std::ifstream in(p); in) {
    json j = json::parse(in, nullptr, false);
    if (!j.is_discarded() && j.value("device", "") == device && j.value("gbps", 0.0) > 0) return j["gbps"];
  }
  const double gbps = measure();
  fs::create_directories(p.parent_path());
  std::ofstream(p) << json{{"device", device}, {"gbps", gbps}, {"method", method}}.dump(2);
  return gbps;
}

}  // namespace foundry
