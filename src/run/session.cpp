#include "run/session.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <fstream>
#include <sstream>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

namespace foundry {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<json> read_ndjson(const fs::path& p, int* bad_lines) {
  std::vector<json> out;
  std::ifstream in(p);
  if (!in) return out;
  std::string line;
  int bad = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      ++bad;
      continue;
    }
    out.push_back(std::move(j));
  }
  if (bad_lines) *bad_lines = bad;
  return out;
}

namespace {

// The entries foundry keeps in a session directory.
constexpr const char* kSessionEntries[] = {"attempts.ndjson", "session.json", "search_state.json", "kernels"};

// A directory that holds something but none of a session's files was made by
// someone else: foundry writes nothing into it (nor reads it as a session).
void require_session_or_empty(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return;
  if (!fs::is_directory(dir, ec)) throw std::runtime_error(fmt::format("session {}: not a directory", dir.string()));
  bool has_session_file = false;
  for (const char* name : kSessionEntries) {
    const fs::path p = dir / name;
    if (fs::is_symlink(fs::symlink_status(p, ec)))
      throw std::runtime_error(fmt::format("session {}: {} is a symbolic link; a session keeps its own files", dir.string(), name));
    if (std::string(name) != "kernels" && fs::exists(p, ec)) {
      has_session_file = true;
      if (!fs::is_regular_file(p, ec))
        throw std::runtime_error(fmt::format("session {}: {}: not a regular file", dir.string(), name));
    }
  }
  bool other_entries = false;
  for (const auto& e : fs::directory_iterator(dir, ec)) other_entries |= e.path().filename() != "kernels";
  if (!has_session_file && other_entries)
    throw std::runtime_error(fmt::format(
        "session {}: not a foundry session (it holds files but no attempts.ndjson or session.json); name a new or empty directory",
        dir.string()));
}

}  // namespace

fs::path path_in_session(const fs::path& dir, const std::string& rel) {
  const fs::path p(rel);
  if (rel.empty() || p.is_absolute())
    throw std::runtime_error(fmt::format("path '{}' is not relative to the session", rel));
  for (const auto& part : p)
    if (part == "..") throw std::runtime_error(fmt::format("path '{}' leaves the session (..)", rel));
  // A symbolic link on the way may still lead out: compare the resolved paths.
  std::error_code ec;
  const fs::path root = fs::weakly_canonical(dir, ec);
  const fs::path full = fs::weakly_canonical(dir / p, ec);
  if (ec) throw std::runtime_error(fmt::format("path '{}': {}", rel, ec.message()));
  const auto [r, f] = std::mismatch(root.begin(), root.end(), full.begin(), full.end());
  if (r != root.end()) throw std::runtime_error(fmt::format("path '{}' resolves to {}, outside the session", rel, full.string()));
  return dir / p;
}

Session::Session(fs::path dir) : dir_(std::move(dir)) {
  require_session_or_empty(dir_);
  std::error_code ec;
  fs::create_directories(dir_ / "kernels", ec);
  if (ec) throw std::runtime_error(fmt::format("session directory {}: {}", dir_.string(), ec.message()));
  const fs::path log = attempts_path();
  // Drop a torn tail: everything after the last newline.
  if (fs::exists(log)) {
    std::ifstream in(log, std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!all.empty() && all.back() != '\n') {
      auto keep = all.rfind('\n');
      fs::resize_file(log, keep == std::string::npos ? 0 : keep + 1);
    }
  }
  fd_ = ::open(log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd_ < 0)
    throw std::runtime_error(fmt::format("session directory {}: cannot write {}: {}", dir_.string(), log.string(), strerror(errno)));
  try {
    records_ = read_session_records(dir_);
  } catch (...) {
    ::close(fd_);
    fd_ = -1;
    throw;
  }
  for (std::size_t i = 0; i < records_.size(); ++i) index_[records_[i].id] = i;
  confirmations_ = read_confirmations(dir_);
}

std::vector<Record> read_session_records(const fs::path& dir) {
  const fs::path log = dir / "attempts.ndjson";
  std::error_code ec;
  if (!fs::exists(dir, ec)) throw std::runtime_error(fmt::format("session {}: no such directory", dir.string()));
  require_session_or_empty(dir);
  if (!fs::exists(log, ec)) return {};
  std::ifstream in(log, std::ios::binary);
  if (!in || ::access(log.c_str(), R_OK) != 0) throw std::runtime_error(fmt::format("{}: cannot read it ({})", log.string(), strerror(errno)));
  std::vector<Record> out;
  std::set<std::string> ids;
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.empty()) continue;
    if (in.eof()) break;  // a torn last line (no newline): an append cut off by a kill
    json j = json::parse(line, nullptr, false);
    try {
      if (j.is_discarded()) throw std::runtime_error("not JSON");
      Record r = record_from_json(j);
      if (!r.source_path.empty()) path_in_session(dir, r.source_path);  // source_path names a file of this session
      if (ids.insert(r.id).second) out.push_back(std::move(r));
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("{} line {}: {}; start a new session directory", log.string(), line_no, e.what()));
    }
  }
  apply_confirmations(out, read_confirmations(dir));
  return out;
}

std::vector<Confirmation> read_confirmations(const fs::path& dir) {
  const fs::path file = dir / "confirmations.ndjson";
  std::ifstream in(file, std::ios::binary);
  std::vector<Confirmation> out;
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.empty()) continue;
    if (in.eof()) break;  // torn by a kill
    json j = json::parse(line, nullptr, false);
    try {
      if (j.is_discarded()) throw std::runtime_error("not JSON");
      out.push_back(confirmation_from_json(j));
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("{} line {}: {}", file.string(), line_no, e.what()));
    }
  }
  return out;
}

Session::~Session() {
  if (fd_ >= 0) ::close(fd_);
  if (confirm_fd_ >= 0) ::close(confirm_fd_);
}

bool Session::recorded(const std::string& id) const {
  std::lock_guard lk(mu_);
  return index_.count(id) > 0;
}

std::optional<Record> Session::find(const std::string& id) const {
  std::lock_guard lk(mu_);
  auto it = index_.find(id);
  if (it == index_.end()) return std::nullopt;
  return records_[it->second];
}

std::size_t Session::recorded_count() const {
  std::lock_guard lk(mu_);
  return records_.size();
}

std::vector<Record> Session::records() const {
  std::lock_guard lk(mu_);
  return records_;
}

namespace {
// One write() per line on an O_APPEND descriptor, then fsync: a kill can
// leave at most a torn last line, which readers drop.
void append_line(int fd, const std::string& line, const fs::path& file) {
  const char* p = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(fmt::format("{}: write failed: {}", file.string(), strerror(errno)));
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) throw std::runtime_error(fmt::format("{}: fsync failed: {}", file.string(), strerror(errno)));
}
}  // namespace

bool Session::append(const Record& record) {
  std::lock_guard lk(mu_);
  if (index_.count(record.id)) return false;
  append_line(fd_, to_json(record).dump(-1, ' ', false, json::error_handler_t::replace) + "\n", attempts_path());
  index_[record.id] = records_.size();
  records_.push_back(record);
  return true;
}

void Session::append_confirmation(const Confirmation& c) {
  std::lock_guard lk(mu_);
  const fs::path file = dir_ / "confirmations.ndjson";
  if (confirm_fd_ < 0) {
    confirm_fd_ = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (confirm_fd_ < 0) throw std::runtime_error(fmt::format("cannot write {}: {}", file.string(), strerror(errno)));
  }
  append_line(confirm_fd_, to_json(c).dump(-1, ' ', false, json::error_handler_t::replace) + "\n", file);
  confirmations_.push_back(c);
  if (auto it = index_.find(c.id); it != index_.end()) {
    std::vector<const Confirmation*> mine;
    for (const auto& k : confirmations_)
      if (k.id == c.id) mine.push_back(&k);
    apply_confirmations(records_[it->second], mine);
  }
}

bool Session::has_confirmation(const std::string& id, const std::string& check) const {
  std::lock_guard lk(mu_);
  for (const auto& c : confirmations_)
    if (c.id == id && c.check == check) return true;
  return false;
}

namespace {
// Write to a temporary unique to this writer, then rename over the target:
// readers never see a partial file, and two threads writing the same kernel
// (identical source from different candidates) never share a temporary.
void write_file_atomically(const fs::path& p, const std::string& content) {
  static std::atomic<unsigned long> counter{0};
  const fs::path tmp = p.string() + fmt::format(".tmp{}.{}", getpid(), counter.fetch_add(1));
  {
    std::ofstream out(tmp, std::ios::binary);
    out << content;
    if (!out) throw std::runtime_error(fmt::format("cannot write {}", tmp.string()));
  }
  fs::rename(tmp, p);
}
}  // namespace

std::string Session::write_kernel(const std::string& sha, const std::string& ext, const std::string& source) {
  const std::string rel = fmt::format("kernels/{}.{}", sha, ext);
  const fs::path p = dir_ / rel;
  if (!fs::exists(p)) write_file_atomically(p, source);
  return rel;
}

void Session::write_json(const std::string& name, const json& j) const {
  write_file_atomically(dir_ / name, j.dump(2) + "\n");
}

json Session::read_json(const std::string& name) const {
  std::ifstream in(dir_ / name);
  if (!in) return json();
  json j = json::parse(in, nullptr, false);
  return j.is_discarded() ? json() : j;
}

}  // namespace foundry
