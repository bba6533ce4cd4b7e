// `foundry export-sft [--out DIR] [sources] [split options]`: the correct
// kernels of sessions, KD runs and discover trees, and the templates, as a
// chat SFT dataset (train/valid/test.jsonl and manifest.json) for mlx_lm or TRL.
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/command.hpp"
#include "sft/export_sft.hpp"

namespace foundry::cli {

namespace {

struct ExportSftCli {
  sft::ExportSftOptions o;
  std::filesystem::path sessions_root = "runs", kd_root, discover_root, templates;
  std::string split_by = "template", format = "messages";
};

int export_sft_main(ExportSftCli& c) {
  c.o.split.by = sft::parse_split_by(c.split_by);
  c.o.format = sft::parse_row_format(c.format);
  c.o.sessions_root = c.sessions_root;
  if (!c.kd_root.empty()) c.o.kd_root = c.kd_root;
  if (!c.discover_root.empty()) c.o.discover_root = c.discover_root;
  c.o.templates = c.templates;
  const auto m = sft::export_sft(c.o);
  const auto& n = m["counts"];
  std::cout << fmt::format("{}: train {} rows, valid {}, test {} (by {}; examples read: {}); manifest {}\n",
                           c.o.out.string(), n["train"].get<int64_t>(), n["valid"].get<int64_t>(),
                           n["test"].get<int64_t>(), c.split_by, m["examples_read"].dump(),
                           (c.o.out / "manifest.json").string());
  for (const auto& note : m["split"]["notes"]) std::cout << "note: " << note.get<std::string>() << "\n";
  return 0;
}

}  // namespace

Command export_sft_command() {
  return {"export-sft", "write the correct kernels of sessions, KD runs, discover trees and the templates as a chat SFT dataset",
          [](CLI::App& sub) -> Handler {
            auto c = std::make_shared<ExportSftCli>();
            sub.add_option("--out", c->o.out, "output directory")->default_str(sft::kDefaultOut);
            sub.add_option("--sessions-root", c->sessions_root, "every foundry session under it")->default_str("runs");
            sub.add_option("--kd-root", c->kd_root, "every run.ndjson (KD runs) under it (docs/SFT_SOURCES.md)");
            sub.add_option("--discover-root", c->discover_root, "every *session.json (discover trees) under it (docs/SFT_SOURCES.md)");
            add_template_option(sub, c->templates);
            sub.add_option("--train-fraction", c->o.split.train_fraction, "share of rows for train, in (0, 1)")->default_str("0.96");
            sub.add_option("--valid-fraction", c->o.split.valid_fraction, "share of rows for valid, in (0, 1); test gets the rest")
                ->default_str("0.03");
            sub.add_option("--seed", c->o.split.seed, "seed of the split and of --max-examples")->check(unsigned_integer())->default_str("1");
            sub.add_option("--max-examples", c->o.max_examples, "at most this many rows after deduplication (0: all)")->default_str("0");
            sub.add_option("--split-by", c->split_by, "template (no (op, template) family in two splits), op, or example")
                ->default_str("template");
            sub.add_option("--format", c->format, "messages ({\"messages\": [...]}) or prompt-completion")->default_str("messages");
            sub.add_flag("--include-repairs", c->o.include_repairs,
                         "also a failing kernel with its report, answered by a correct variant of its template and case");
            return [c] { return export_sft_main(*c); };
          }};
}

}  // namespace foundry::cli
