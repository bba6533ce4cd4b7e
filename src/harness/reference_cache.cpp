#include "harness/reference_cache.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "core/hash.hpp"

namespace foundry {

namespace fs = std::filesystem;

namespace {
constexpr char kMagic[8] = {'F', 'N', 'D', 'R', 'R', 'E', 'F', '2'};

// 64-bit words (the tail zero-padded), each mixed with its position.
uint64_t mix_bytes(uint64_t h, const void* p, std::size_t n) {
  const auto* b = static_cast<const unsigned char*>(p);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, b + i, 8);
    h = (h ^ (w + i)) * 0x100000001b3ull;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, b + i, n - i);
  return (h ^ (tail + n)) * 0x100000001b3ull;
}

bool read_u64(std::ifstream& in, uint64_t& v) { return static_cast<bool>(in.read(reinterpret_cast<char*>(&v), sizeof v)); }
void write_u64(std::ofstream& out, uint64_t v) { out.write(reinterpret_cast<const char*>(&v), sizeof v); }
}  // namespace

ReferenceCache::ReferenceCache(fs::path dir, uint64_t max_bytes, uint64_t min_bytes)
    : dir_(std::move(dir)), max_bytes_(max_bytes), min_bytes_(min_bytes) {}

bool ReferenceCache::worth(const std::vector<HostBuffer>& bufs, std::size_t reference_values) const {
  uint64_t bytes = reference_values * sizeof(double);
  for (const auto& b : bufs) bytes += b.bytes();
  return bytes >= min_bytes_ && bytes <= max_bytes_;
}

uint64_t ReferenceCache::checksum(const std::vector<HostBuffer>& bufs, const std::vector<std::vector<double>>& refs) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (const auto& b : bufs) h = mix_bytes(h, b.data(), b.bytes());
  for (const auto& r : refs) h = mix_bytes(h, r.data(), r.size() * sizeof(double));
  return h;
}

std::string ReferenceCache::key(const Case& c, const std::string& build_id) {
  std::string s = fmt::format("reference-cache 1\n{}\n{}\n{}\n", build_id, c.op, to_string(c.dtype));
  for (const auto& [k, v] : c.shape) s += fmt::format("{}={}\n", k, v);
  for (const auto& [k, v] : c.params) s += fmt::format("{}={:a}\n", k, v);  // hex float: exact
  s += fmt::format("seed={} test={}\n", c.seed, c.test_index);
  return sha256_hex(s);
}

std::string ReferenceCache::this_build() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  struct stat st {};
  if (ec || ::stat(exe.c_str(), &st) != 0) return "unknown build " + std::to_string(::getpid());  // never matches another
  return fmt::format("{} {} {}.{}", exe.string(), st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

fs::path ReferenceCache::path_of(const std::string& key) const { return dir_ / (key + ".bin"); }

bool ReferenceCache::load(const std::string& key, std::vector<HostBuffer>& bufs,
                          std::vector<std::vector<double>>& refs) const {
  const fs::path p = path_of(key);
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  auto bad = [&] {
    in.close();
    std::error_code ec;
    fs::remove(p, ec);
    return false;
  };
  char magic[8];
  uint64_t n = 0;
  uint64_t sum = 0;
  if (!in.read(magic, 8) || std::memcmp(magic, kMagic, 8) != 0 || !read_u64(in, sum) || !read_u64(in, n) ||
      n != bufs.size())
    return bad();
  uint64_t expected = 8 + 8 + 8 + 8 * n + 8;
  for (const auto& b : bufs) {
    uint64_t bytes = 0;
    if (!read_u64(in, bytes) || bytes != b.bytes()) return bad();
    expected += bytes;
  }
  uint64_t nrefs = 0;
  if (!read_u64(in, nrefs) || nrefs > 64) return bad();
  std::vector<uint64_t> counts(nrefs);
  for (auto& k : counts) {
    if (!read_u64(in, k)) return bad();
    expected += 8 + k * sizeof(double);
  }
  std::error_code ec;
  if (fs::file_size(p, ec) != expected || ec) return bad();  // torn or padded: not this entry
  for (auto& b : bufs)
    if (b.bytes() && !in.read(static_cast<char*>(b.data()), static_cast<std::streamsize>(b.bytes()))) return bad();
  refs.assign(nrefs, {});
  for (uint64_t r = 0; r < nrefs; ++r) {
    refs[r].resize(counts[r]);
    if (counts[r] && !in.read(reinterpret_cast<char*>(refs[r].data()), static_cast<std::streamsize>(counts[r] * sizeof(double))))
      return bad();
  }
  if (checksum(bufs, refs) != sum) return bad();  // changed after it was built: not these contents
  fs::last_write_time(p, fs::file_time_type::clock::now(), ec);  // recently used: dropped last
  return true;
}

void ReferenceCache::store(const std::string& key, const std::vector<HostBuffer>& bufs,
                           const std::vector<std::vector<double>>& refs, uint64_t sum) const {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  const fs::path p = path_of(key);
  const fs::path tmp = dir_ / fmt::format("{}.tmp.{}.{}", key, ::getpid(), std::hash<std::thread::id>{}(std::this_thread::get_id()));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(kMagic, 8);
    write_u64(out, sum);
    write_u64(out, bufs.size());
    for (const auto& b : bufs) write_u64(out, b.bytes());
    write_u64(out, refs.size());
    for (const auto& r : refs) write_u64(out, r.size());
    for (const auto& b : bufs) out.write(static_cast<const char*>(b.data()), static_cast<std::streamsize>(b.bytes()));
    for (const auto& r : refs) out.write(reinterpret_cast<const char*>(r.data()), static_cast<std::streamsize>(r.size() * sizeof(double)));
    out.flush();
    if (!out) {
      out.close();
      fs::remove(tmp, ec);
      return;
    }
  }
  fs::rename(tmp, p, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return;
  }
  trim(p);
}

void ReferenceCache::trim(const fs::path& keep) const {
  struct Entry {
    fs::path path;
    fs::file_time_type when;
    uint64_t bytes;
  };
  std::vector<Entry> entries;
  uint64_t total = 0;
  std::error_code ec;
  const auto stale = fs::file_time_type::clock::now() - std::chrono::minutes(30);
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    if (e.path().filename().string().find(".tmp.") != std::string::npos) {
      // Left by a worker that ended mid-write (a run ends by killing its workers).
      std::error_code e1;
      if (e.last_write_time(e1) < stale && !e1) fs::remove(e.path(), e1);
      continue;
    }
    if (e.path().extension() != ".bin") continue;
    std::error_code e1, e2;
    const uint64_t bytes = e.file_size(e1);
    const auto when = e.last_write_time(e2);
    if (e1 || e2) continue;
    entries.push_back({e.path(), when, bytes});
    total += bytes;
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.when < b.when; });
  for (const auto& e : entries) {
    if (total <= max_bytes_) break;
    if (e.path == keep) continue;
    if (fs::remove(e.path, ec)) total -= e.bytes;
  }
}

}  // namespace foundry
