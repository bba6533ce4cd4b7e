// `foundry report SESSION... [--out DIR] [--json]`: coverage, best variants,
// Pareto fronts and rooflines of one or more sessions, as coverage.json,
// coverage.md, pareto.json and a self-contained report.html.
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "report/analysis.hpp"
#include "report/report.hpp"

namespace foundry::cli {

namespace {

struct ReportCommandOptions {
  std::vector<std::filesystem::path> sessions;
  std::filesystem::path out;
  std::filesystem::path templates;
  double peak_gflops = 0;
  bool json = false;
};

int report_main(const ReportCommandOptions& o) {
  if (o.out.empty() && o.sessions.size() > 1)
    throw std::invalid_argument("--out: required when several sessions are given (one session defaults to SESSION/report)");
  report::AnalysisOptions ao;
  ao.templates = o.templates;
  if (o.peak_gflops > 0) ao.peak_gflops = o.peak_gflops;
  const auto a = report::analyse(o.sessions, ao);
  const std::filesystem::path out = o.out.empty() ? o.sessions.front() / "report" : o.out;
  const auto files = report::write_report(*a, out);
  std::size_t trusted = 0;
  for (const auto& c : a->cases) trusted += c.trusted;
  if (o.json) {
    nlohmann::json j{{"out", out.string()},
                     {"coverage_json", files.coverage_json.string()},
                     {"coverage_md", files.coverage_md.string()},
                     {"pareto_json", files.pareto_json.string()},
                     {"html", files.html.string()},
                     {"plots", files.plots},
                     {"records", a->sessions.records.size()},
                     {"duplicates", a->sessions.duplicates},
                     {"cases", a->cases.size()},
                     {"trusted_ok", trusted}};
    std::cout << j.dump() << "\n";
    return 0;
  }
  std::cout << fmt::format("{} records ({} duplicates left out) of {} session(s), {} cases, {} trusted correct\n",
                           a->sessions.records.size(), a->sessions.duplicates, a->sessions.dirs.size(), a->cases.size(),
                           trusted);
  std::cout << fmt::format("wrote {}, {}, {}\n", files.coverage_json.string(), files.coverage_md.string(),
                           files.pareto_json.string());
  std::cout << fmt::format("report: {} ({} plots)\n", files.html.string(), files.plots);
  return 0;
}

}  // namespace

Command report_command() {
  return {"report", "coverage, best variants, Pareto fronts and rooflines of sessions, with a self-contained HTML page",
          [](CLI::App& sub) -> Handler {
            auto o = std::make_shared<ReportCommandOptions>();
            sub.add_option("sessions", o->sessions, "session directories (records merged by id)")->required();
            sub.add_option("--out", o->out, "directory to write into (default: SESSION/report for one session)");
            sub.add_flag("--json", o->json, "print what was written as one JSON object");
            sub.add_option("--peak-gflops", o->peak_gflops,
                           "the rooflines' compute peak in GFLOP/s (default: the highest any trusted variant reached)")
                ->check(non_negative_number(true));
            add_template_option(sub, o->templates);
            return [o] { return report_main(*o); };
          }};
}

}  // namespace foundry::cli
