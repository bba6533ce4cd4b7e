#include "sft/writer.hpp"

#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "core/hash.hpp"

namespace foundry::sft {

namespace fs = std::filesystem;
using nlohmann::json;

RowFormat parse_row_format(const std::string& s) {
  if (s == "messages") return RowFormat::messages;
  if (s == "prompt-completion") return RowFormat::prompt_completion;
  throw std::invalid_argument(fmt::format("--format {}: expected messages or prompt-completion", s));
}

std::string to_string(RowFormat f) { return f == RowFormat::messages ? "messages" : "prompt-completion"; }

json row_json(const Example& e, RowFormat f) {
  if (f == RowFormat::prompt_completion) return {{"prompt", e.system + "\n\n" + e.user}, {"completion", e.answer}};
  return {{"messages", json::array({{{"role", "system"}, {"content", e.system}},
                                    {{"role", "user"}, {"content", e.user}},
                                    {{"role", "assistant"}, {"content", e.answer}}})}};
}

namespace {

// Writes `text` to dir/name through a temporary and a rename; its rows, bytes and SHA-256.
json write_file(const fs::path& dir, const std::string& name, const std::string& text, std::size_t rows) {
  const fs::path tmp = dir / (name + ".tmp"), path = dir / name;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw std::invalid_argument(fmt::format("--out {}: cannot write {}", dir.string(), name));
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw std::invalid_argument(fmt::format("--out {}: cannot write {}: {}", dir.string(), name, ec.message()));
  return {{"rows", rows}, {"bytes", text.size()}, {"sha256", sha256_hex(text)}};
}

}  // namespace

json write_dataset(const fs::path& dir, const std::vector<Example>& examples, const SplitResult& split, RowFormat format,
                   json manifest) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw std::invalid_argument(fmt::format("--out {}: cannot create the directory", dir.string()));
  json files = json::object(), counts = json::object(), per_source = json::object(), per_op = json::object(),
       groups = json::object();
  std::string meta_text;
  std::size_t total = 0;
  for (int s = 0; s < 3; ++s) {
    const std::string name = kSplitNames[s];
    std::string text;
    for (std::size_t k = 0; k < split.rows[s].size(); ++k) {
      const Example& e = examples[split.rows[s][k]];
      text += row_json(e, format).dump() + "\n";
      json m{{"split", name}, {"row", k}, {"source", e.source}, {"op", e.op}, {"family", e.family}};
      m.update(e.meta);
      meta_text += m.dump() + "\n";
      for (json* c : {&per_source[e.source], &per_op[e.op]}) {
        if (c->is_null()) *c = {{"train", 0}, {"valid", 0}, {"test", 0}};
        (*c)[name] = (*c)[name].get<int64_t>() + 1;
      }
    }
    files[name + ".jsonl"] = write_file(dir, name + ".jsonl", text, split.rows[s].size());
    counts[name] = split.rows[s].size();
    groups[name] = split.groups[s];
    total += split.rows[s].size();
  }
  counts["total"] = total;
  files["metadata.jsonl"] = write_file(dir, "metadata.jsonl", meta_text, total);
  manifest["schema"] = kManifestSchema;
  manifest["foundry_version"] = FOUNDRY_VERSION;
  manifest["format"] = to_string(format);
  manifest["counts"] = counts;
  manifest["per_source"] = per_source;
  manifest["per_op"] = per_op;
  manifest["split"]["groups"] = groups;
  manifest["split"]["notes"] = split.notes;
  manifest["files"] = files;
  write_file(dir, "manifest.json", manifest.dump(2) + "\n", 0);
  return manifest;
}

}  // namespace foundry::sft
