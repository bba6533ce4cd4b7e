#include "report/report.hpp"

#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "report/html.hpp"
#include "report/markdown.hpp"
#include "report/plots.hpp"

namespace foundry::report {

namespace fs = std::filesystem;

namespace {

void write_text(const fs::path& p, const std::string& text) {
  const fs::path tmp = p.string() + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary);
    f << text;
    if (!f) throw std::invalid_argument(fmt::format("--out {}: cannot write {}", p.parent_path().string(), p.filename().string()));
  }
  fs::rename(tmp, p);
}

nlohmann::json sessions_json(const Analysis& a) {
  nlohmann::json s = nlohmann::json::array();
  for (const auto& d : a.sessions.dirs) s.push_back(d.string());
  return s;
}

}  // namespace

nlohmann::json coverage_json(const Analysis& a) {
  nlohmann::json best = nlohmann::json::array(), tables = nlohmann::json::object();
  for (const auto& c : a.cases) best.push_back(best_json(c));
  for (const auto& t : a.coverage) tables[t.dimension] = to_json(t).at("rows");
  std::size_t trusted = 0;
  for (const auto& c : a.cases) trusted += c.trusted;
  return {{"sessions", sessions_json(a)}, {"records", a.sessions.records.size()}, {"duplicates", a.sessions.duplicates},
          {"cases", a.cases.size()},       {"trusted_ok", trusted},              {"best_per_case", best},
          {"coverage", tables}};
}

nlohmann::json pareto_json(const Analysis& a) {
  nlohmann::json fronts = nlohmann::json::array(), roofs = nlohmann::json::array();
  for (const auto& f : a.fronts) fronts.push_back(to_json(f));
  for (const auto& r : a.rooflines) roofs.push_back(to_json(r));
  return {{"sessions", sessions_json(a)}, {"fronts", fronts}, {"rooflines", roofs}};
}

ReportFiles write_report(const Analysis& a, const fs::path& dir, const ReportOptions& options) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) throw std::invalid_argument(fmt::format("--out {}: cannot create the directory", dir.string()));
  ReportFiles files{dir, dir / "coverage.json", dir / "coverage.md", dir / "pareto.json", dir / "report.html"};
  write_text(files.coverage_json, coverage_json(a).dump(1) + "\n");
  write_text(files.coverage_md, coverage_markdown(a));
  write_text(files.pareto_json, pareto_json(a).dump(1) + "\n");

  // Every plot in one gnuplot run, then handed back to its place on the page.
  std::vector<PlotSpec> specs;
  if (!a.coverage.empty() && !a.coverage.front().rows.empty()) specs.push_back(status_plot(a.coverage.front()));
  std::vector<std::vector<std::string>> roof_names(a.rooflines.size());
  for (std::size_t i = 0; i < a.rooflines.size(); ++i) {
    if (auto s = bandwidth_plot(a.rooflines[i], fmt::format("bandwidth-{}", i))) {
      roof_names[i].push_back(s->name);
      specs.push_back(std::move(*s));
    }
    if (auto s = roofline_plot(a.rooflines[i], fmt::format("roofline-{}", i))) {
      roof_names[i].push_back(s->name);
      specs.push_back(std::move(*s));
    }
  }
  PagePlots page;
  for (std::size_t i = 0; i < a.fronts.size(); ++i) {
    if (a.fronts[i].points.size() < 2) continue;  // a front of one point: a table row, no plot
    if (page.pareto_front_index.size() == options.max_pareto_plots) {
      ++page.pareto_left_out;
      continue;
    }
    page.pareto_front_index.push_back(i);
    specs.push_back(pareto_plot(a.fronts[i], fmt::format("pareto-{}", i)));
  }
  const auto plots = render_svg(specs, dir / "plots");
  page.rooflines.resize(a.rooflines.size());
  for (const auto& p : plots) {
    if (p.name == "status") page.status.push_back(p);
    else if (p.name.rfind("pareto-", 0) == 0) page.pareto.push_back(p);
    for (std::size_t i = 0; i < roof_names.size(); ++i)
      for (const auto& n : roof_names[i])
        if (n == p.name) page.rooflines[i].push_back(p);
  }
  write_text(files.html, report_html(a, page));
  files.plots = plots.size();
  return files;
}

}  // namespace foundry::report
