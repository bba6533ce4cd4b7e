// The reference cache with a real op's buffers and references, in real files.
#include "harness/reference_cache.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

#include "cli_helpers.hpp"
#include "ops/registry.hpp"

using namespace foundry;
using foundry_test::scratch_dir;
namespace fs = std::filesystem;

namespace {
struct Built {
  std::vector<HostBuffer> bufs;
  std::vector<std::vector<double>> refs;
};

Case rmsnorm_case(uint64_t seed, int test) {
  return Case{"rmsnorm", DType::f32, {{"rows", 64}, {"cols", 1024}}, {{"eps", 1e-5}}, seed, test};
}

Built build(const Case& c) {
  const OpContract& op = Registry::instance().get(c.op);
  Built b{op.allocate(c), {}};
  op.generate(c, b.bufs);
  b.refs = op.reference(c, b.bufs);
  return b;
}

bool same(const std::vector<HostBuffer>& a, const std::vector<HostBuffer>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].bytes() != b[i].bytes() || std::memcmp(a[i].data(), b[i].data(), a[i].bytes()) != 0) return false;
  return true;
}
}  // namespace

TEST(ReferenceCache, AnEntryReadsBackBitForBitAndOnlyForItsOwnCase) {
  const auto dir = scratch_dir("refs");
  const ReferenceCache cache(dir, uint64_t{1} << 30, 1);
  const Case c = rmsnorm_case(7, 1);
  const Built fresh = build(c);
  const std::string key = ReferenceCache::key(c, "build A");
  cache.store(key, fresh.bufs, fresh.refs, ReferenceCache::checksum(fresh.bufs, fresh.refs));

  Built back{Registry::instance().get("rmsnorm").allocate(c), {}};
  ASSERT_TRUE(cache.load(key, back.bufs, back.refs));
  EXPECT_TRUE(same(back.bufs, fresh.bufs));
  EXPECT_EQ(back.refs, fresh.refs);
  // Every part of the case is in the key, and so is the build.
  Case other = c;
  other.seed = 8;
  EXPECT_NE(ReferenceCache::key(other, "build A"), key);
  other = c;
  other.test_index = 2;
  EXPECT_NE(ReferenceCache::key(other, "build A"), key);
  other = c;
  other.params["eps"] = 1e-6;
  EXPECT_NE(ReferenceCache::key(other, "build A"), key);
  other = c;
  other.dtype = DType::bf16;
  EXPECT_NE(ReferenceCache::key(other, "build A"), key);
  EXPECT_NE(ReferenceCache::key(c, "build B"), key);
  EXPECT_FALSE(cache.load(ReferenceCache::key(c, "build B"), back.bufs, back.refs));
}

TEST(ReferenceCache, ATornOrForeignEntryIsRemovedNotRead) {
  const auto dir = scratch_dir("refs");
  const ReferenceCache cache(dir, uint64_t{1} << 30, 1);
  const Case c = rmsnorm_case(3, 0);
  const Built fresh = build(c);
  const std::string key = ReferenceCache::key(c, "b");
  cache.store(key, fresh.bufs, fresh.refs, ReferenceCache::checksum(fresh.bufs, fresh.refs));
  const fs::path p = dir / (key + ".bin");
  ASSERT_TRUE(fs::exists(p));
  fs::resize_file(p, fs::file_size(p) - 8);  // torn
  Built back{Registry::instance().get("rmsnorm").allocate(c), {}};
  EXPECT_FALSE(cache.load(key, back.bufs, back.refs));
  EXPECT_FALSE(fs::exists(p));
  // Buffers of another size (the op allocates differently now): not this entry.
  cache.store(key, fresh.bufs, fresh.refs, ReferenceCache::checksum(fresh.bufs, fresh.refs));
  Built wider{Registry::instance().get("rmsnorm").allocate(Case{"rmsnorm", DType::f32, {{"rows", 64}, {"cols", 2048}}, {{"eps", 1e-5}}, 3, 0}), {}};
  EXPECT_FALSE(cache.load(key, wider.bufs, wider.refs));
  EXPECT_FALSE(fs::exists(p));
  // Not an entry at all.
  std::ofstream(p) << "not a reference";
  EXPECT_FALSE(cache.load(key, back.bufs, back.refs));
  // Contents changed after the checksum was taken (as a kernel in the same
  // process could while the entry is written): written, but never read back.
  Built changed = build(c);
  const uint64_t sum = ReferenceCache::checksum(changed.bufs, changed.refs);
  changed.refs[0][17] += 1.0;
  cache.store(key, changed.bufs, changed.refs, sum);
  ASSERT_TRUE(fs::exists(p));
  EXPECT_FALSE(cache.load(key, back.bufs, back.refs));
  EXPECT_FALSE(fs::exists(p));
  // A flipped bit in the file: the same.
  cache.store(key, fresh.bufs, fresh.refs, ReferenceCache::checksum(fresh.bufs, fresh.refs));
  {
    std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-100, std::ios::end);
    char ch = 0;
    f.read(&ch, 1);
    f.seekp(-100, std::ios::end);
    ch = static_cast<char>(ch ^ 1);
    f.write(&ch, 1);
  }
  EXPECT_FALSE(cache.load(key, back.bufs, back.refs));
}

TEST(ReferenceCache, TheDirectoryStaysUnderItsCapOldestFirstAndSmallCasesAreNotKept) {
  const auto dir = scratch_dir("refs");
  const Built one = build(rmsnorm_case(1, 0));
  uint64_t entry = 0;
  {
    const ReferenceCache probe(dir / "probe", uint64_t{1} << 30, 1);
    probe.store("x", one.bufs, one.refs, ReferenceCache::checksum(one.bufs, one.refs));
    entry = fs::file_size(dir / "probe" / "x.bin");
  }
  const ReferenceCache cache(dir / "c", 2 * entry + entry / 2, 1);  // room for two entries
  std::vector<std::string> keys;
  for (uint64_t s = 1; s <= 3; ++s) {
    const Case c = rmsnorm_case(s, 0);
    const Built b = build(c);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // file times can be coarse
    keys.push_back(ReferenceCache::key(c, "b"));
    cache.store(keys.back(), b.bufs, b.refs, ReferenceCache::checksum(b.bufs, b.refs));
    if (s == 2) {  // the first is read again: the second is now the oldest
      Built back{Registry::instance().get("rmsnorm").allocate(rmsnorm_case(1, 0)), {}};
      ASSERT_TRUE(cache.load(keys[0], back.bufs, back.refs));
    }
  }
  EXPECT_TRUE(fs::exists(dir / "c" / (keys[0] + ".bin")));
  EXPECT_FALSE(fs::exists(dir / "c" / (keys[1] + ".bin"))) << "the least recently used goes first";
  EXPECT_TRUE(fs::exists(dir / "c" / (keys[2] + ".bin")));
  // The size threshold: this case is worth an entry under a 1-byte minimum, not under a 1 GiB one.
  std::size_t values = 0;
  for (const auto& r : one.refs) values += r.size();
  EXPECT_TRUE(ReferenceCache(dir, uint64_t{1} << 40, 1).worth(one.bufs, values));
  EXPECT_FALSE(ReferenceCache(dir, uint64_t{1} << 40, uint64_t{1} << 30).worth(one.bufs, values));
}
