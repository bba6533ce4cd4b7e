#include "backends/copy_bandwidth.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/hash.hpp"

namespace foundry {

namespace fs = std::filesystem;
using nlohmann::json;

double host_load_per_core() {
  std::ifstream in("/proc/loadavg");
  double one_minute = 0;
  if (!(in >> one_minute)) return 0;
  const long cores = std::max(1L, sysconf(_SC_NPROCESSORS_ONLN));
  return one_minute / static_cast<double>(cores);
}

double cached_copy_gbps(const fs::path& dir, const std::string& device, const std::string& method,
                        const std::function<double()>& measure, const std::function<double()>& load) {
  constexpr double kBusy = 0.5, kQuieter = 0.25;
  const fs::path p = dir / fmt::format("copy_bandwidth_{}.json", sha256_hex(device).substr(0, 16));
  double cached = 0, cached_load = -1;  // -1: taken when the load was not recorded
  if (std::ifstream in(p); in) {
    json j = json::parse(in, nullptr, false);
    if (!j.is_discarded() && j.value("device", "") == device && j.value("gbps", 0.0) > 0) {
      cached = j["gbps"];
      const json& l = j.contains("load_per_core") ? j["load_per_core"] : json();
      cached_load = l.is_number() ? l.get<double>() : -1;
    }
  }
  const double now = load();
  if (cached > 0 && cached_load >= 0 && (cached_load <= kBusy || now > cached_load - kQuieter)) return cached;
  if (cached > 0 && cached_load < 0 && now > kBusy) return cached;  // of unknown load: wait for a quiet moment
  // The higher figure stands, as of this measurement's load: a busy host only ever lowers it.
  const double gbps = std::max(cached, measure());
  fs::create_directories(p.parent_path());
  std::ofstream(p) << json{{"device", device}, {"gbps", gbps}, {"method", method}, {"load_per_core", now}}.dump(2);
  return gbps;
}

}  // namespace foundry
