// The copy bandwidth cache: measured once per device, then read back; a
// figure taken on a busy host measured again once it is quieter.
#include "backends/copy_bandwidth.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli_helpers.hpp"

using namespace foundry;
using foundry_test::scratch_dir;

TEST(CopyBandwidth, MeasuredOncePerDeviceThenReadBack) {
  const auto dir = scratch_dir("bw");
  int measured = 0;
  auto measure = [&](double v) {
    return [&measured, v] {
      ++measured;
      return v;
    };
  };
  auto quiet = [] { return 0.1; };
  EXPECT_EQ(cached_copy_gbps(dir, "dev A", "test", measure(12.5), quiet), 12.5);
  EXPECT_EQ(cached_copy_gbps(dir, "dev A", "test", measure(99), quiet), 12.5);
  EXPECT_EQ(measured, 1);
  EXPECT_EQ(cached_copy_gbps(dir, "dev B", "test", measure(7), quiet), 7);
  EXPECT_EQ(measured, 2);
}

TEST(CopyBandwidth, AFigureTakenOnABusyHostIsMeasuredAgainWhenQuieterAndTheHigherKept) {
  const auto dir = scratch_dir("bw");
  int measured = 0;
  double host_load = 3.0;  // runnable threads per core
  auto load = [&] { return host_load; };
  auto measure = [&](double v) {
    return [&measured, v] {
      ++measured;
      return v;
    };
  };
  EXPECT_EQ(cached_copy_gbps(dir, "dev", "test", measure(4), load), 4);  // busy: too low
  host_load = 2.9;                                                       // hardly quieter: kept
  EXPECT_EQ(cached_copy_gbps(dir, "dev", "test", measure(20), load), 4);
  EXPECT_EQ(measured, 1);
  host_load = 0.2;  // quiet: measured again, the higher kept
  EXPECT_EQ(cached_copy_gbps(dir, "dev", "test", measure(20), load), 20);
  EXPECT_EQ(measured, 2);
  host_load = 3.0;  // a quiet figure stands, however busy the host is later
  EXPECT_EQ(cached_copy_gbps(dir, "dev", "test", measure(1), load), 20);
  host_load = 0.0;
  EXPECT_EQ(cached_copy_gbps(dir, "dev", "test", measure(1), load), 20);
  EXPECT_EQ(measured, 2);
}

TEST(CopyBandwidth, AFigureOfUnknownLoadIsMeasuredAgainOnceTheHostIsQuietAndNeverLowered) {
  const auto dir = scratch_dir("bw");
  // A cache written before the load was recorded.
  std::filesystem::create_directories(dir);
  int measured = 0;
  auto measure = [&](double v) {
    return [&measured, v] {
      ++measured;
      return v;
    };
  };
  cached_copy_gbps(dir, "dev", "test", measure(9), [] { return 0.0; });
  for (const auto& e : std::filesystem::directory_iterator(dir)) {  // drop its load field
    nlohmann::json j = nlohmann::json::parse(std::ifstream(e.path()));
    j.erase("load_per_core");
    std::ofstream(e.path()) << j.dump();
  }
  EXPECT_EQ(cached_copy_gbps(dir, "dev", "test", measure(30), [] { return 2.0; }), 9) << "busy now: wait";
  EXPECT_EQ(cached_copy_gbps(dir, "dev", "test", measure(6), [] { return 0.1; }), 9) << "quiet: measured, never lowered";
  EXPECT_EQ(measured, 2);
  EXPECT_EQ(cached_copy_gbps(dir, "dev", "test", measure(30), [] { return 0.1; }), 9) << "now of known load: read back";
  EXPECT_EQ(measured, 2);
}
