// The reference cache: a large case's generated buffers and float64
// references, kept on disk between runs so the next run on the same case
// (same op, dtype, shape, params, test seed and index) reads them instead of
// building them again (at GPU prefill sizes that takes seconds per case).
// Entries are keyed by the worker's own executable too (its size and mtime),
// so a rebuilt foundry, whose generators or references may differ, never
// reads an older build's entries. An entry whose sizes do not match what the
// op allocates is removed and built again. The directory is kept under a
// byte cap, oldest entries dropped first; a read refreshes an entry's age.
// Each entry carries a checksum of its contents taken when they were built,
// before any kernel ran in the worker, and a read verifies it: what a kernel
// changes in memory while the entry is written is not read back by a later
// run (a cpu kernel shares the worker's address space).
// An entry is written while its case is checked and timed: it competes with
// them for the host (on a 2-core machine, rmsnorm f32 prefill, two cases: a
// first run 3.4-3.5 -> 4.3-5.8 s, a later one -> 2.4 s), so it is opt-in
// (`foundry run --ref-cache-gib G`). A run ends by killing its workers: an
// entry not yet written then is dropped, its temporary file removed later.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/buffer.hpp"
#include "ops/op_contract.hpp"

namespace foundry {

class ReferenceCache {
 public:
  // Entries go under `dir`, at most `max_bytes` in all; cases whose buffers
  // and references together are smaller than `min_bytes` are never cached.
  ReferenceCache(std::filesystem::path dir, uint64_t max_bytes, uint64_t min_bytes = uint64_t{16} << 20);

  // Whether a case of this size is worth an entry.
  bool worth(const std::vector<HostBuffer>& bufs, std::size_t reference_values) const;
  static std::string key(const Case& c, const std::string& build_id);
  // The running executable's identity (path, size, mtime), for keys.
  static std::string this_build();

  // Of the buffers' bytes and the references' values, in order.
  static uint64_t checksum(const std::vector<HostBuffer>& bufs, const std::vector<std::vector<double>>& refs);

  // Fills `bufs` (as the op allocated them for the case) and `refs` from the
  // entry; false when there is none that fits or its checksum fails (a bad
  // one is removed).
  bool load(const std::string& key, std::vector<HostBuffer>& bufs, std::vector<std::vector<double>>& refs) const;
  // Writes the entry with `sum` (checksum() of the contents when built): a
  // temporary file renamed into place, then the oldest entries beyond the cap
  // dropped. Best effort: a failure leaves no entry.
  void store(const std::string& key, const std::vector<HostBuffer>& bufs, const std::vector<std::vector<double>>& refs,
             uint64_t sum) const;

 private:
  std::filesystem::path path_of(const std::string& key) const;
  void trim(const std::filesystem::path& keep) const;
  std::filesystem::path dir_;
  uint64_t max_bytes_;
  uint64_t min_bytes_;
};

}  // namespace foundry
