// The exported dataset: train.jsonl, valid.jsonl and test.jsonl in the row
// format mlx_lm and Hugging Face read ({"messages": [system, user,
// assistant]} or {"prompt", "completion"}), metadata.jsonl (where each row
// came from), and manifest.json (schema, seed, split policy, counts per
// split, source and op, SHA-256 of each file, foundry version).
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sft/example.hpp"
#include "sft/splitter.hpp"

namespace foundry::sft {

inline constexpr int kManifestSchema = 1;

enum class RowFormat { messages, prompt_completion };
// "messages", "prompt-completion"; throws std::invalid_argument naming --format otherwise.
RowFormat parse_row_format(const std::string& s);
std::string to_string(RowFormat f);

// One line of a split file.
nlohmann::json row_json(const Example& e, RowFormat f);

// Writes the three splits and metadata.jsonl into `dir` (created if needed;
// each file written whole, then renamed into place), then manifest.json: the
// given `manifest` completed with the counts per split, source and op, the
// split's groups and notes, and each file's rows, bytes and SHA-256. Returns
// the manifest written. Throws std::invalid_argument naming --out when `dir`
// cannot be written.
nlohmann::json write_dataset(const std::filesystem::path& dir, const std::vector<Example>& examples,
                             const SplitResult& split, RowFormat format, nlohmann::json manifest);

}  // namespace foundry::sft
