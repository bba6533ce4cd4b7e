// `foundry export SESSION... --out FILE [--ops ...] [--status ...] [--min-p50 US]
// [--max-p50 US]`: every attempt of the sessions as one JSON line with its
// kernel source and every label, sessions merged by record id
// (docs/EXPORT.md).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/command.hpp"
#include "ops/registry.hpp"
#include "report/analysis.hpp"
#include "report/export_rows.hpp"

namespace foundry::cli {

namespace {

struct ExportOptions {
  std::vector<std::filesystem::path> sessions;
  std::filesystem::path out;
  std::filesystem::path templates;
  std::vector<std::string> ops, statuses;
  double min_p50 = -1, max_p50 = -1;
};

report::ExportFilter filter_of(const ExportOptions& o) {
  report::ExportFilter f;
  for (const auto& op : o.ops) {
    if (!Registry::instance().find(op))
      throw std::invalid_argument(fmt::format("--ops {}: unknown op (known: {})", op, fmt::join(Registry::instance().names(), " ")));
    f.ops.insert(op);
  }
  for (const auto& s : o.statuses) {
    const auto st = parse_status(s);
    if (!st) {
      std::vector<std::string> names;
      for (Status x : all_statuses()) names.push_back(to_string(x));
      throw std::invalid_argument(fmt::format("--status {}: not a status (one of {})", s, fmt::join(names, " ")));
    }
    f.statuses.insert(*st);
  }
  if (o.min_p50 >= 0) f.min_p50 = o.min_p50;
  if (o.max_p50 >= 0) f.max_p50 = o.max_p50;
  if (f.min_p50 && f.max_p50 && *f.min_p50 > *f.max_p50)
    throw std::invalid_argument(fmt::format("--min-p50 {} is above --max-p50 {}", *f.min_p50, *f.max_p50));
  return f;
}

int export_main(const ExportOptions& o) {
  const auto filter = filter_of(o);
  report::AnalysisOptions ao;
  ao.templates = o.templates;
  const auto a = report::analyse(o.sessions, ao);
  const std::filesystem::path tmp = o.out.string() + ".tmp";
  std::size_t n = 0;
  {
    std::ofstream f(tmp, std::ios::binary);
    if (!f) throw std::invalid_argument(fmt::format("--out {}: cannot write", o.out.string()));
    try {
      n = report::write_export(*a, filter, f);
    } catch (...) {
      f.close();
      std::filesystem::remove(tmp);
      throw;
    }
    f.flush();
    if (!f) throw std::invalid_argument(fmt::format("--out {}: cannot write", o.out.string()));
  }
  std::filesystem::rename(tmp, o.out);
  std::cout << fmt::format("{}: {} rows of {} records ({} session(s), {} duplicate ids left out)\n", o.out.string(), n,
                           a->sessions.records.size(), a->sessions.dirs.size(), a->sessions.duplicates);
  return 0;
}

}  // namespace

Command export_command() {
  return {"export", "every attempt of one or more sessions as JSON lines with its kernel source and labels",
          [](CLI::App& sub) -> Handler {
            auto o = std::make_shared<ExportOptions>();
            sub.add_option("sessions", o->sessions, "session directories (records merged by id)")->required();
            sub.add_option("--out", o->out, "the JSON-lines file to write")->required();
            sub.add_option("--ops", o->ops, "only these ops")->delimiter(',');
            sub.add_option("--status", o->statuses, "only these statuses (ok, compile_error, ...)")->delimiter(',');
            sub.add_option("--min-p50", o->min_p50, "only timed attempts with a p50 of at least this many microseconds")
                ->check(non_negative_number());
            sub.add_option("--max-p50", o->max_p50, "only timed attempts with a p50 of at most this many microseconds")
                ->check(non_negative_number());
            add_template_option(sub, o->templates);
            return [o] { return export_main(*o); };
          }};
}

}  // namespace foundry::cli
