// A session directory: session.json, attempts.ndjson (append-only, one writer,
// fsync per record), kernels/<sha>.<ext>, search_state.json, and
// confirmations.ndjson (the confirm pass's outcomes, appended likewise; read
// back as the records' labels).
#pragma once
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "run/confirmation.hpp"
#include "run/record.hpp"

namespace foundry {

// Reads an NDJSON file, tolerating a torn last line. Lines that do not parse
// are skipped and counted in `bad_lines` when given.
std::vector<nlohmann::json> read_ndjson(const std::filesystem::path& p, int* bad_lines = nullptr);

// Every record of a session directory, typed, in log order, without opening
// it for writing (a torn last line is left out), labelled by its
// confirmations. Throws naming the file and line of a record of another
// schema or whose source_path leaves the session, or the directory when it
// is missing or is not a foundry session (files but no attempts.ndjson or
// session.json; a session entry that is a symbolic link).
std::vector<Record> read_session_records(const std::filesystem::path& dir);
// The confirm pass's outcomes in a session directory (a torn last line is left out).
std::vector<Confirmation> read_confirmations(const std::filesystem::path& dir);

// dir / rel, where rel is a path read from the session (a record's
// source_path): throws naming it when it is absolute, has a ".." component or
// resolves, through symbolic links, outside dir.
std::filesystem::path path_in_session(const std::filesystem::path& dir, const std::string& rel);

class Session {
 public:
  // Creates the directory if needed; throws naming the path when it cannot be
  // written, or when it holds files but is not a session (nothing is written
  // into it then), or when a session entry is a symbolic link. Truncates a torn last line of attempts.ndjson (an append that was
  // cut off never became a record) and reads every record back, in log order;
  // throws naming the file and line when one is not a record of this schema.
  explicit Session(std::filesystem::path dir);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path attempts_path() const { return dir_ / "attempts.ndjson"; }
  bool recorded(const std::string& id) const;
  std::optional<Record> find(const std::string& id) const;
  std::size_t recorded_count() const;
  // Every record, in log order.
  std::vector<Record> records() const;

  // Appends one record and fsyncs. Thread-safe; a record whose id is already
  // present is dropped (returns false).
  bool append(const Record& record);
  // Appends one confirmation and fsyncs; the record it names gets its labels.
  void append_confirmation(const Confirmation& c);
  bool has_confirmation(const std::string& id, const std::string& check) const;
  // Writes kernels/<sha>.<ext> once; returns its path relative to the session.
  std::string write_kernel(const std::string& sha, const std::string& ext, const std::string& source);
  // Atomic replace of a small JSON file in the session directory.
  void write_json(const std::string& name, const nlohmann::json& j) const;
  nlohmann::json read_json(const std::string& name) const;

 private:
  std::filesystem::path dir_;
  int fd_ = -1;
  int confirm_fd_ = -1;  // opened at the first confirmation
  std::vector<Confirmation> confirmations_;
  mutable std::mutex mu_;
  std::vector<Record> records_;
  std::map<std::string, std::size_t> index_;  // id -> position in records_
};

}  // namespace foundry
