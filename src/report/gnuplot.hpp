// Plots drawn by gnuplot as SVG, to be inlined into a page: one gnuplot
// process for a whole set of plots, each written to its own file.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace foundry::report {

struct PlotSpec {
  std::string name;    // file stem, [a-z0-9_-]
  std::string title;   // for the page and the SVG's <title>
  std::string script;  // gnuplot commands after the terminal and output are set: data blocks, settings, plot
};

struct Plot {
  std::string name, title;
  std::string svg;  // an inline <svg> element: no XML prolog, ids prefixed with the plot's name
};

// Runs gnuplot (`$FOUNDRY_GNUPLOT`, else `gnuplot` on the PATH) on every spec,
// writing `dir/plots.gp` and `dir/<name>.svg`. Throws std::runtime_error naming
// gnuplot when it cannot run or fails, with its output.
std::vector<Plot> render_svg(const std::vector<PlotSpec>& specs, const std::filesystem::path& dir);

// A double-quoted gnuplot string.
std::string gnuplot_string(const std::string& s);

}  // namespace foundry::report
