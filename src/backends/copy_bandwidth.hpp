// The copy bandwidth a backend's latencies are compared against (a record's
// pct_of_copy), measured once per device and cached as JSON in the cache
// directory: delete the file to measure again.
#pragma once
#include <filesystem>
#include <functional>
#include <string>

namespace foundry {

// The bandwidth cached in `dir` for `device`, else `measure()` (GB/s, read +
// write bytes), which is then cached there with `method` describing how.
double cached_copy_gbps(const std::filesystem::path& dir, const std::string& device, const std::string& method,
                        const std::function<double()>& measure);

}  // namespace foundry
