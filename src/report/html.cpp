#include "report/html.hpp"

#include <fmt/format.h>

#include "report/markdown.hpp"

namespace foundry::report {

std::string html_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

namespace {

const char* kStyle = R"(
body { font-family: sans-serif; margin: 1.5em auto; max-width: 1200px; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ccc; } h3 { font-size: 1.05em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.88em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
figure.plot { margin: 0.8em 0; } figure.plot svg { width: 100%; max-width: 760px; height: auto; border: 1px solid #ddd; }
figcaption { font-size: 0.85em; color: #555; } .note { color: #555; font-size: 0.9em; }
tr.front td { background: #fff3f0; } details { margin: 0.6em 0; } summary { cursor: pointer; font-weight: bold; }
)";

// Every figure must show marks: more drawn elements in gnuplot's series groups
// than the groups' key samples, and a visible size.
const char* kPlotCheck = R"(
(function () {
  var figures = document.querySelectorAll('figure.plot');
  var bad = [];
  figures.forEach(function (f) {
    var svg = f.querySelector('svg');
    var groups = svg ? svg.querySelectorAll('g[id^="gnuplot_plot_"]') : [];
    var marks = 0;
    groups.forEach(function (g) { marks += g.querySelectorAll('path, use, rect, circle, polyline, polygon').length; });
    var box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
    if (!svg || groups.length === 0 || marks <= groups.length || box.width < 100 || box.height < 60) bad.push(f.id);
  });
  document.querySelectorAll('img').forEach(function (im) {
    if (!im.complete || im.naturalWidth === 0) bad.push(im.getAttribute('src'));
  });
  document.getElementById('plot-check').textContent =
      bad.length ? 'plots that drew nothing: ' + bad.join(', ') : figures.length + ' plots drawn';
  document.body.setAttribute('data-plots', String(figures.length));
  document.body.setAttribute('data-plot-check', bad.length ? 'failed' : 'ok');
})();
)";

std::string td(const std::string& s) { return "<td>" + html_escape(s) + "</td>"; }
std::string tdn(const std::string& s) { return "<td class=\"n\">" + html_escape(s) + "</td>"; }

std::string figure(const Plot& p) {
  return fmt::format("<figure class=\"plot\" id=\"fig-{}\">\n{}\n<figcaption>{}</figcaption></figure>\n", p.name, p.svg,
                     html_escape(p.title));
}

std::string coverage_table(const CoverageTable& t) {
  std::string h = fmt::format("<table><tr><th>{}</th><th>attempts</th><th>trusted ok</th><th>failures by status</th></tr>\n",
                              html_escape(t.dimension));
  for (const auto& r : t.rows)
    h += "<tr>" + td(r.value) + tdn(std::to_string(r.attempts)) + tdn(std::to_string(r.trusted_ok)) +
         td(failures_text(r)) + "</tr>\n";
  return h + "</table>\n";
}

std::string best_table(const Analysis& a) {
  std::string h =
      "<table><tr><th>case</th><th>backend</th><th>attempts</th><th>trusted ok</th><th>best template</th><th>knobs</th>"
      "<th>p50 us</th><th>GB/s</th><th>% of copy</th><th>plain p50 us</th><th>speed-up over plain</th></tr>\n";
  for (const auto& c : a.cases) {
    const Record* b = c.best;
    std::string speedup = c.speedup() ? fmt::format("{:.2f}x", *c.speedup()) : "-";
    if (b && !c.speedup())
      speedup = c.plain_template.empty() ? "none: no plain template" : "none: no timed " + c.plain_template;
    h += "<tr>" + td(c.label()) + td(c.backend) + tdn(std::to_string(c.records.size())) + tdn(std::to_string(c.trusted)) +
         td(b ? b->template_id : "-") + td(b ? knobs_text(b->knobs) : "-") +
         tdn(b ? num(b->bench.latency_us->p50) : "-") + tdn(b ? num(b->bench.gbps) : "-") +
         tdn(b ? num(b->bench.pct_of_copy, "%") : "-") +
         tdn(c.plain_best ? num(c.plain_best->bench.latency_us->p50) : "-") + tdn(speedup) + "</tr>\n";
  }
  return h + "</table>\n";
}

std::string resources_text(const Record& r) {
  std::string s;
  if (r.build.registers) s += fmt::format("regs {} ", *r.build.registers);
  if (r.build.smem_bytes) s += fmt::format("smem {} B ", *r.build.smem_bytes);
  if (r.build.spill_bytes) s += fmt::format("spills {} B ", *r.build.spill_bytes);
  if (r.launch) s += fmt::format("grid {} threads {}", r.launch->grid, r.launch->threads);
  if (r.launch && r.launch->smem) s += fmt::format(" dyn smem {} B", r.launch->smem);
  return s.empty() ? "-" : s;
}

std::string front_table(const ParetoFront& f) {
  std::string h = fmt::format(
      "<table><tr><th>template</th><th>knobs</th><th>p50 us</th><th>{}</th><th>GB/s</th><th>resources</th><th>on front</th></tr>\n",
      html_escape(f.error_measure));
  for (const auto& p : f.points) {
    const Record& r = *p.record;
    h += fmt::format("<tr{}>", p.on_front ? " class=\"front\"" : "") + td(r.template_id) + td(knobs_text(r.knobs)) +
         tdn(num(p.latency_us)) + tdn(num(p.error)) + tdn(num(r.bench.gbps)) + td(resources_text(r)) +
         td(p.on_front ? "yes" : "") + "</tr>\n";
  }
  return h + "</table>\n";
}

}  // namespace

std::string report_html(const Analysis& a, const PagePlots& plots) {
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>foundry report</title>\n<style>";
  h += kStyle;
  h += "</style></head>\n<body>\n<h1>foundry report</h1>\n<ul>\n";
  for (const auto& d : a.sessions.dirs) h += "<li>session <code>" + html_escape(d.string()) + "</code></li>\n";
  h += "</ul>\n";
  std::size_t trusted = 0;
  for (const auto& c : a.cases) trusted += c.trusted;
  h += fmt::format(
      "<p>{} records ({} duplicates across sessions left out), {} cases, {} trusted correct variants. A variant counts as "
      "correct only when trusted: status ok and labelled neither suspect nor sanitizer; the best of a case has the lowest "
      "p50 latency.</p>\n",
      a.sessions.records.size(), a.sessions.duplicates, a.cases.size(), trusted);
  h += "<h2>Outcomes per op</h2>\n";
  for (const auto& p : plots.status) h += figure(p);
  if (!a.coverage.empty()) h += coverage_table(a.coverage.front());
  h += "<h2>Best variant per case</h2>\n<p class=\"note\">Speed-up is the plain template's best p50 over the best p50 of "
       "the case.</p>\n" +
       best_table(a);
  h += "<h2>Rooflines</h2>\n";
  for (std::size_t i = 0; i < a.rooflines.size(); ++i) {
    const Roofline& r = a.rooflines[i];
    h += fmt::format("<h3>{} {}</h3>\n<p class=\"note\">copy bandwidth {:.1f} GB/s (measured); compute ceiling {:.1f} GFLOP/s ({}).</p>\n",
                     html_escape(r.backend), html_escape(r.device), r.copy_gbps, r.peak_gflops,
                     r.peak_given ? "given with --peak-gflops" : "the highest any trusted variant reached, not a hardware peak");
    if (i < plots.rooflines.size())
      for (const auto& p : plots.rooflines[i]) h += figure(p);
  }
  if (a.rooflines.empty()) h += "<p class=\"note\">No case has a trusted, timed variant.</p>\n";
  h += "<h2>Pareto fronts: latency against error, per case</h2>\n";
  if (plots.pareto_left_out)
    h += fmt::format("<p class=\"note\">{} more fronts are in pareto.json, not drawn here.</p>\n", plots.pareto_left_out);
  for (std::size_t i = 0; i < plots.pareto.size(); ++i) {
    const ParetoFront& f = a.fronts[plots.pareto_front_index[i]];
    h += "<h3>" + html_escape(f.c->label(a.rooflines.size() > 1)) + "</h3>\n" + figure(plots.pareto[i]) + front_table(f);
  }
  if (a.fronts.empty()) h += "<p class=\"note\">No case has a trusted, timed variant with an error measure.</p>\n";
  std::string single;
  for (const auto& f : a.fronts)
    if (f.points.size() == 1) {
      const ParetoPoint& p = f.points.front();
      single += "<tr>" + td(f.c->label(a.rooflines.size() > 1)) + td(p.record->template_id) + td(knobs_text(p.record->knobs)) +
                tdn(num(p.latency_us)) + tdn(num(p.error)) + td(f.error_measure) + td(resources_text(*p.record)) + "</tr>\n";
    }
  if (!single.empty())
    h += "<h3>Cases with one trusted, timed variant (a front of one)</h3>\n<table><tr><th>case</th><th>template</th>"
         "<th>knobs</th><th>p50 us</th><th>error</th><th>measure</th><th>resources</th></tr>\n" +
         single + "</table>\n";
  h += "<h2>Coverage</h2>\n";
  for (std::size_t i = 1; i < a.coverage.size(); ++i)
    h += "<details" + std::string(a.coverage[i].rows.size() <= 12 ? " open" : "") + "><summary>by " +
         html_escape(a.coverage[i].dimension) + fmt::format(" ({} values)", a.coverage[i].rows.size()) + "</summary>\n" +
         coverage_table(a.coverage[i]) + "</details>\n";
  h += "<p class=\"note\" id=\"plot-check\">plots not checked (scripts off)</p>\n<script>";
  h += kPlotCheck;
  h += "</script>\n</body></html>\n";
  return h;
}

}  // namespace foundry::report
