// `foundry report`'s files in a directory: coverage.json, coverage.md,
// pareto.json and report.html (plots drawn by gnuplot, kept in plots/).
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/analysis.hpp"

namespace foundry::report {

struct ReportOptions {
  std::size_t max_pareto_plots = 60;  // fronts drawn on the page (all are in pareto.json)
};

struct ReportFiles {
  std::filesystem::path dir, coverage_json, coverage_md, pareto_json, html;
  std::size_t plots = 0;
};

// coverage.json: the sessions, totals, each case's best variant (best_json)
// and the coverage tables.
nlohmann::json coverage_json(const Analysis& a);
// pareto.json: every case's front and the rooflines.
nlohmann::json pareto_json(const Analysis& a);

// Writes the files (the JSON and Markdown first, so they exist even where the
// plots cannot be drawn). Throws std::invalid_argument naming --out when the
// directory cannot be written, std::runtime_error when gnuplot fails.
ReportFiles write_report(const Analysis& a, const std::filesystem::path& dir, const ReportOptions& options = {});

}  // namespace foundry::report
