// The records of one or more session directories, merged: read through the
// typed reader, each attempt once (by id, the first session that holds it
// wins), with the directory each came from.
#pragma once
#include <cstddef>
#include <filesystem>
#include <vector>

#include "run/record.hpp"

namespace foundry::report {

struct SessionSet {
  std::vector<std::filesystem::path> dirs;  // as given
  std::vector<Record> records;              // unique ids: sessions in the order given, each in log order
  std::vector<std::size_t> origin;          // records[i] was read from dirs[origin[i]]
  std::size_t duplicates = 0;               // records left out because an earlier one had their id

  const std::filesystem::path& dir_of(std::size_t i) const { return dirs[origin[i]]; }
};

// Throws std::invalid_argument naming the directory when it is missing, is
// not a foundry session (no session.json naming a record schema, or no
// attempts.ndjson) or holds another record schema; the reader's message
// (file and line) when a record does not parse; and when one directory is
// given twice.
SessionSet load_sessions(const std::vector<std::filesystem::path>& dirs);

}  // namespace foundry::report
