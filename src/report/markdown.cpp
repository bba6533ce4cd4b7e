#include "report/markdown.hpp"

#include <cmath>

#include <fmt/format.h>

namespace foundry::report {

std::string failures_text(const CoverageRow& row) {
  std::string s;
  for (const auto& [status, n] : row.failures()) s += fmt::format("{}{}={}", s.empty() ? "" : " ", status, n);
  for (const auto& [label, n] : row.labels) s += fmt::format("{}{} (label)={}", s.empty() ? "" : " ", label, n);
  return s.empty() ? "-" : s;
}

std::string num(const std::optional<double>& v, const char* suffix) {
  if (!v) return "-";
  if (std::abs(*v) >= 1000 && std::abs(*v) < 1e9) return fmt::format("{:.0f}{}", *v, suffix);  // 2204, not 2.2e+03
  return fmt::format("{:.3g}{}", *v, suffix);
}

namespace {

// '|' inside a cell would end it.
std::string cell(std::string s) {
  for (std::size_t at = s.find('|'); at != std::string::npos; at = s.find('|', at + 2)) s.replace(at, 1, "\\|");
  return s;
}

}  // namespace

std::string coverage_markdown(const Analysis& a) {
  std::string md = "# foundry report\n\n";
  for (std::size_t i = 0; i < a.sessions.dirs.size(); ++i) md += fmt::format("- session `{}`\n", a.sessions.dirs[i].string());
  md += fmt::format("\n{} records ({} duplicates across sessions left out), {} cases. A variant counts as correct only when "
                    "trusted: status ok and labelled neither suspect nor sanitizer. Best = lowest p50 latency.\n\n",
                    a.sessions.records.size(), a.sessions.duplicates, a.cases.size());
  md += "## Best variant per case\n\n";
  md += "| case | backend | attempts | trusted ok | best template | knobs | p50 us | GB/s | % of copy | plain p50 us | speed-up over plain |\n";
  md += "|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& c : a.cases) {
    const Record* b = c.best;
    std::string plain = c.plain_best ? num(c.plain_best->bench.latency_us->p50) : "-";
    std::string speedup = c.speedup() ? fmt::format("{:.2f}x", *c.speedup()) : "-";
    if (b && !c.speedup())
      speedup = c.plain_template.empty() ? "- (no plain template)" : fmt::format("- (no timed {})", c.plain_template);
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", cell(c.label()), c.backend,
                      c.records.size(), c.trusted, b ? b->template_id : "-", b ? cell(knobs_text(b->knobs)) : "-",
                      b ? num(b->bench.latency_us->p50) : "-", b ? num(b->bench.gbps) : "-",
                      b ? num(b->bench.pct_of_copy, "%") : "-", plain, speedup);
  }
  for (const auto& t : a.coverage) {
    md += fmt::format("\n## Coverage by {}\n\n| {} | attempts | trusted ok | failures by status |\n|---|---|---|---|\n",
                      t.dimension, t.dimension);
    for (const auto& r : t.rows)
      md += fmt::format("| {} | {} | {} | {} |\n", cell(r.value), r.attempts, r.trusted_ok, cell(failures_text(r)));
  }
  return md;
}

}  // namespace foundry::report
