#include "sft/example.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace foundry::sft {

namespace fs = std::filesystem;

std::vector<fs::path> find_files_under(const fs::path& root, const char* flag, bool (*match)(const std::string&)) {
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    throw std::invalid_argument(fmt::format("{} {}: no such directory", flag, root.string()));
  std::vector<fs::path> out;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
  if (ec) throw std::invalid_argument(fmt::format("{} {}: cannot read: {}", flag, root.string(), ec.message()));
  for (; it != end; it.increment(ec)) {
    if (ec) throw std::invalid_argument(fmt::format("{} {}: cannot read: {}", flag, root.string(), ec.message()));
    if (it->is_directory()) {
      if (it->path().filename() == "kernels") it.disable_recursion_pending();
      continue;
    }
    if (match(it->path().filename().string())) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace foundry::sft
