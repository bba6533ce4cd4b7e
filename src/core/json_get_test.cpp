#include "core/json_get.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>

namespace foundry {
namespace {

using nlohmann::json;

TEST(JsonGet, IntegersThatFitTheirType) {
  EXPECT_EQ(json_get<int>(json::parse("-7")), -7);
  EXPECT_EQ(json_get<int64_t>(json::parse("9223372036854775807")), INT64_MAX);
  EXPECT_EQ(json_get<uint64_t>(json::parse("18446744073709551615")), UINT64_MAX);
  EXPECT_EQ(json_get<double>(json::parse("3")), 3.0);
  EXPECT_EQ(json_get<std::string>(json::parse("\"x\"")), "x");
  const auto m = json_get_map<std::map<std::string, int64_t>>(json::parse(R"({"rows": 8, "cols": 4096})"));
  EXPECT_EQ(m.at("cols"), 4096);
}

// Seen under UBSan on a worker request with "threads": 1e300: get<int>() of a float
// out of int's range is undefined (UBSan, in nlohmann's from_json: 1e+300 is
// outside the range of representable values of type 'int').
TEST(JsonGet, AFloatOrAnIntegerOutOfRangeIsAnError) {
  for (const char* bad : {"1e300", "-1e300", "2.5", "2147483648", "-2147483649", "true", "\"7\"", "null"})
    EXPECT_THROW(json_get<int>(json::parse(bad)), std::runtime_error) << bad;
  EXPECT_THROW(json_get<uint64_t>(json::parse("-1")), std::runtime_error);
  EXPECT_THROW(json_get<int64_t>(json::parse("9223372036854775808")), std::runtime_error);
  EXPECT_THROW((json_get_map<std::map<std::string, int64_t>>(json::parse(R"({"rows": 1e300})"))), std::runtime_error);
  EXPECT_THROW((json_get_map<std::map<std::string, int64_t>>(json::parse("[1]"))), std::runtime_error);
}

}  // namespace
}  // namespace foundry
