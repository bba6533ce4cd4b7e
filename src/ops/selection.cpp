#include "ops/selection.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

namespace foundry::selection {

namespace {
int severity(Status s) {
  switch (s) {
    case Status::unwritten: return 3;
    case Status::nonfinite: return 2;
    case Status::mismatch: return 1;
    default: return 0;
  }
}
}  // namespace

void flag(CheckResult& r, Status s, const std::string& detail) {
  ++r.mismatches;
  if (severity(s) > severity(r.status)) {
    r.status = s;
    r.detail = detail;
  }
}

void check_indices(const HostBuffer& idx, int64_t rows, int64_t k, int64_t range,
                   const std::function<std::string(int64_t row, int64_t j, int64_t index)>& agrees,
                   CheckResult& r) {
  const uint32_t poison = poison_bits(idx.elem());
  for (int64_t row = 0; row < rows; ++row) {
    std::vector<int64_t> seen;
    for (int64_t j = 0; j < k; ++j) {
      const auto i = static_cast<std::size_t>(row * k + j);
      const double v = idx.get(i);
      const auto where = fmt::format("{}[{}] = {}", idx.name(), i, v);
      if (idx.bits(i) == poison) {
        flag(r, Status::unwritten, where + " (unwritten)");
        continue;
      }
      const auto index = static_cast<int64_t>(v);
      if (index < 0 || index >= range) {
        flag(r, Status::mismatch, fmt::format("{} outside [0, {}) (mismatch)", where, range));
        continue;
      }
      if (std::find(seen.begin(), seen.end(), index) != seen.end()) {
        flag(r, Status::mismatch, where + " repeats an index of its row (mismatch)");
        continue;
      }
      seen.push_back(index);
      if (auto why = agrees(row, j, index); !why.empty()) flag(r, Status::mismatch, fmt::format("{}: {} (mismatch)", where, why));
    }
  }
}

}  // namespace foundry::selection
