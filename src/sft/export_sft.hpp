// `foundry export-sft`: every source read, deduplicated, capped, split and
// written (sources, dedup, splitter and writer are one file each).
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>

#include <nlohmann/json.hpp>

#include "sft/splitter.hpp"
#include "sft/writer.hpp"

namespace foundry::sft {

// The directory `export-sft` writes when --out is not given (configs/ train from it).
inline constexpr char kDefaultOut[] = "training_data/kernel_sft";

struct ExportSftOptions {
  std::filesystem::path out = kDefaultOut;
  std::optional<std::filesystem::path> sessions_root, kd_root, discover_root;
  std::optional<std::filesystem::path> templates;  // raw templates as "write a template" examples
  SplitOptions split;
  RowFormat format = RowFormat::messages;
  int64_t max_examples = 0;  // 0: all
  bool include_repairs = false;
};

// Returns the manifest written. Throws std::invalid_argument naming the flag
// or file of bad input (before anything is written), std::runtime_error for a
// session of another record schema.
nlohmann::json export_sft(const ExportSftOptions& o);

}  // namespace foundry::sft
