#include "backends/backend.hpp"

#include <algorithm>
#include <cstdlib>

namespace foundry {

namespace fs = std::filesystem;

fs::path default_cache_root() {
  if (const char* d = std::getenv("FOUNDRY_CACHE_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "foundry";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".cache" / "foundry";
  return fs::temp_directory_path() / "foundry-cache";
}

std::vector<int> Backend::worker_devices(int asked, bool /*asked_explicitly*/) const {
  return std::vector<int>(static_cast<std::size_t>(std::max(asked, 0)), -1);
}

}  // namespace foundry
