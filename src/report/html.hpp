// report.html: one self-contained page (styles, plots as inline SVG and a
// small script inline; nothing fetched) with the sessions, the outcomes per
// op, each case's best variant, the rooflines, the Pareto fronts and the
// coverage tables. On load its script checks that every plot drew marks and
// writes the result into the page (body[data-plot-check] = ok | failed).
#pragma once
#include <string>
#include <vector>

#include "report/analysis.hpp"
#include "report/gnuplot.hpp"

namespace foundry::report {

struct PagePlots {
  std::vector<Plot> status;                    // attempts per op by outcome
  std::vector<std::vector<Plot>> rooflines;    // per Analysis::rooflines entry: bandwidth, roofline where drawn
  std::vector<Plot> pareto;                    // per front drawn, in the order of Analysis::fronts
  std::vector<std::size_t> pareto_front_index; // pareto[i] draws Analysis::fronts[pareto_front_index[i]]
  std::size_t pareto_left_out = 0;             // fronts not drawn (beyond the page's limit), still in pareto.json
};

std::string report_html(const Analysis& a, const PagePlots& plots);

// Text as HTML.
std::string html_escape(const std::string& s);

}  // namespace foundry::report
