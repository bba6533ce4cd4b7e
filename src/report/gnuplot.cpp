#include "report/gnuplot.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "core/process.hpp"

namespace foundry::report {

namespace fs = std::filesystem;

namespace {

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
}

std::string xml_text(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else o += c;
  }
  return o;
}

// gnuplot's SVG as an element of a page: from <svg on, its ids (the same in
// every gnuplot file) made unique, and its title the plot's.
std::string inline_svg(std::string svg, const PlotSpec& spec) {
  const auto start = svg.find("<svg");
  if (start == std::string::npos) throw std::runtime_error(fmt::format("gnuplot wrote no <svg> for plot {}", spec.name));
  svg.erase(0, start);
  replace_all(svg, "id='gp", fmt::format("id='{}-gp", spec.name));
  replace_all(svg, "'#gp", fmt::format("'#{}-gp", spec.name));
  replace_all(svg, "id=\"gnuplot_canvas\"", fmt::format("id=\"{}-canvas\"", spec.name));
  replace_all(svg, "<title>Gnuplot</title>", "<title>" + xml_text(spec.title) + "</title>");
  return svg;
}

}  // namespace

std::string gnuplot_string(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if (c == '\n') {
      o += "\\n";
      continue;
    }
    o += c;
  }
  return o + "\"";
}

std::vector<Plot> render_svg(const std::vector<PlotSpec>& specs, const fs::path& dir) {
  if (specs.empty()) return {};
  fs::create_directories(dir);
  const fs::path script = dir / "plots.gp";
  {
    std::ofstream f(script);
    for (const auto& s : specs) {
      f << "reset\n"
        << "set terminal svg size 720,420 dynamic noenhanced font \"sans,11\" background \"white\"\n"
        << "set output " << gnuplot_string((dir / (s.name + ".svg")).string()) << "\n"
        << s.script << "\nunset output\n";
    }
    if (!f) throw std::runtime_error(fmt::format("{}: cannot write", script.string()));
  }
  const char* env = std::getenv("FOUNDRY_GNUPLOT");
  const std::string gnuplot = env && *env ? env : "gnuplot";
  const ProcessResult r = run_process({gnuplot, script.string()}, 300);
  if (r.exit_code != 0)
    throw std::runtime_error(fmt::format("{} {} failed ({}); install gnuplot (Debian: gnuplot-nox): {}", gnuplot,
                                         script.string(),
                                         r.timed_out ? "timed out" : fmt::format("exit {}", r.exit_code), r.output));
  std::vector<Plot> plots;
  for (const auto& s : specs) {
    std::ifstream in(dir / (s.name + ".svg"));
    std::stringstream ss;
    ss << in.rdbuf();
    plots.push_back({s.name, s.title, inline_svg(ss.str(), s)});
  }
  return plots;
}

}  // namespace foundry::report
