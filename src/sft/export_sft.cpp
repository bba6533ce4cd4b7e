#include "sft/export_sft.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "core/hash.hpp"
#include "sft/dedup.hpp"
#include "sft/discover_source.hpp"
#include "sft/kd_source.hpp"
#include "sft/session_source.hpp"
#include "sft/template_source.hpp"

namespace foundry::sft {

using nlohmann::json;

namespace {

// Keeps `max` examples, drawn in a seeded order, in their original order.
std::vector<Example> cap(std::vector<Example> examples, int64_t max, uint64_t seed) {
  if (max <= 0 || examples.size() <= static_cast<std::size_t>(max)) return examples;
  std::vector<std::pair<std::string, std::size_t>> keyed;
  for (std::size_t i = 0; i < examples.size(); ++i)
    keyed.emplace_back(sha256_hex(fmt::format("{}\x1f{}", seed, content_key(examples[i]))), i);
  std::sort(keyed.begin(), keyed.end());
  keyed.resize(static_cast<std::size_t>(max));
  std::vector<std::size_t> keep;
  for (const auto& [k, i] : keyed) keep.push_back(i);
  std::sort(keep.begin(), keep.end());
  std::vector<Example> out;
  for (std::size_t i : keep) out.push_back(std::move(examples[i]));
  return out;
}

}  // namespace

json export_sft(const ExportSftOptions& o) {
  check_fractions(o.split);
  if (o.max_examples < 0) throw std::invalid_argument(fmt::format("--max-examples {}: must be 0 (all) or more", o.max_examples));
  if (o.out.empty()) throw std::invalid_argument("--out: empty path");
  std::vector<KernelTemplate> templates;
  if (o.templates) {
    std::error_code ec;
    if (!std::filesystem::is_directory(*o.templates, ec))
      throw std::invalid_argument(fmt::format("--templates {}: no such directory", o.templates->string()));
    templates = discover_templates(*o.templates);
  }
  std::vector<std::pair<std::string, SourceResult>> sources;
  if (o.sessions_root) sources.emplace_back("sessions", read_sessions(*o.sessions_root, templates, o.include_repairs));
  if (o.kd_root) sources.emplace_back("kd", read_kd_runs(*o.kd_root, templates));
  if (o.discover_root) sources.emplace_back("discover", read_discover_sessions(*o.discover_root, templates, o.include_repairs));
  if (o.templates) sources.emplace_back("templates", template_examples(templates));

  std::vector<Example> all;
  json inputs = json::object(), skipped = json::object(), read = json::object();
  for (auto& [name, r] : sources) {
    inputs[name] = r.inputs;
    skipped[name] = r.skipped;
    for (auto& e : r.examples) {
      read[e.source] = read.value(e.source, 0) + 1;
      all.push_back(std::move(e));
    }
  }
  std::map<std::string, int64_t> duplicates;
  all = deduplicate(std::move(all), duplicates);
  const std::size_t unique = all.size();
  all = cap(std::move(all), o.max_examples, o.split.seed);
  if (all.empty())
    throw std::invalid_argument("no examples: the sources hold no correct kernel and no template (see --sessions-root, "
                                "--kd-root, --discover-root, --templates)");

  const SplitResult split = split_examples(all, o.split);
  json manifest;
  manifest["tool"] = "foundry export-sft";
  manifest["seed"] = o.split.seed;
  manifest["split"] = {{"by", to_string(o.split.by)},
                       {"train_fraction", o.split.train_fraction},
                       {"valid_fraction", o.split.valid_fraction},
                       {"test_fraction", test_fraction(o.split)}};
  manifest["include_repairs"] = o.include_repairs;
  manifest["max_examples"] = o.max_examples;
  manifest["inputs"] = inputs;
  manifest["templates_root"] = o.templates ? json(o.templates->string()) : json(nullptr);
  manifest["examples_read"] = read;
  manifest["skipped"] = skipped;
  manifest["duplicates_dropped"] = duplicates;
  manifest["capped_dropped"] = unique - all.size();
  return write_dataset(o.out, all, split, o.format, manifest);
}

}  // namespace foundry::sft
