#pragma once
#include <string>

namespace foundry {
// Lower-case hex SHA-256 of the bytes of `data`.
std::string sha256_hex(const std::string& data);
}  // namespace foundry
