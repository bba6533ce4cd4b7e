// The copy bandwidth a backend's latencies are compared against (a record's
// pct_of_copy and the `suspect` floor), measured once per device and cached
// as JSON in the cache directory with the host's load when it was taken. A
// figure taken on a busy host is too low (and would flag honest kernels as
// faster than copying allows), so it is measured again once the host is
// quieter, and the higher figure kept. Delete the file to start afresh.
#pragma once
#include <filesystem>
#include <functional>
#include <string>

namespace foundry {

// Runnable threads per core over the last minute (/proc/loadavg over the
// online cores); 0 where unknown.
double host_load_per_core();

// The bandwidth cached in `dir` for `device`, else `measure()` (GB/s, read +
// write bytes), which is then cached there with `method` describing how.
// A cached figure taken at a load per core above 0.5 (or of unknown load) is
// measured again when `load()` is at least 0.25 lower; the higher is kept.
double cached_copy_gbps(const std::filesystem::path& dir, const std::string& device, const std::string& method,
                        const std::function<double()>& measure,
                        const std::function<double()>& load = host_load_per_core);

}  // namespace foundry
