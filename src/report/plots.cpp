#include "report/plots.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

namespace foundry::report {

namespace {

// One colour per op, the same in every plot of a page.
const char* const kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
                                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"};

// Points grouped by op, one data block and one plotted series each.
struct Series {
  std::map<std::string, std::string> rows;  // op -> data lines
  void add(const std::string& op, const std::string& line) { rows[op] += line + "\n"; }
  double lo = 1e300, hi = 0;  // range of x
  void add(const std::string& op, double x, double y) {
    add(op, fmt::format("{:.6g} {:.6g}", x, y));
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  // Data blocks named $<prefix>0.. and the plot clauses drawing them.
  std::string blocks(const std::string& prefix) const {
    std::string s;
    int i = 0;
    for (const auto& [op, lines] : rows) s += fmt::format("${}{} << EOD\n{}EOD\n", prefix, i++, lines);
    return s;
  }
  std::string clauses(const std::string& prefix, const std::string& style) const {
    std::string s;
    int i = 0;
    for (const auto& [op, lines] : rows)
      s += fmt::format("{}${}{} using 1:2 {} pt {} ps 1.2 lc rgb \"{}\" title {}", i ? ", " : "", prefix, i, style,
                       5 + 2 * (i % 4), kPalette[i % 10], gnuplot_string(op)),
          ++i;
    return s;
  }
};

// Title, axis labels, log axes, the x range; grid and key below the plot.
std::string axes(const std::string& title, const std::string& xlabel, const std::string& ylabel, const char* logscale,
                 double x0, double x1) {
  return fmt::format("set title {}\nset xlabel {}\nset ylabel {}\nset logscale {}\nset grid\nset key below\n"
                     "set xrange [{:.6g}:{:.6g}]\n",
                     gnuplot_string(title), gnuplot_string(xlabel), gnuplot_string(ylabel), logscale, x0, x1);
}

}  // namespace

PlotSpec status_plot(const CoverageTable& ops) {
  std::set<std::string> failing;
  bool labelled = false;
  for (const auto& row : ops.rows) {
    for (const auto& [s, n] : row.failures()) failing.insert(s);
    labelled |= row.by_status.count("ok") && row.by_status.at("ok") > row.trusted_ok;
  }
  std::vector<std::string> columns{"trusted ok"};
  if (labelled) columns.push_back("ok, labelled");
  columns.insert(columns.end(), failing.begin(), failing.end());
  std::string data;
  for (const auto& row : ops.rows) {
    data += gnuplot_string(row.value) + fmt::format(" {}", row.trusted_ok);
    const int ok = row.by_status.count("ok") ? row.by_status.at("ok") : 0;
    if (labelled) data += fmt::format(" {}", ok - row.trusted_ok);
    for (const auto& s : failing) data += fmt::format(" {}", row.by_status.count(s) ? row.by_status.at(s) : 0);
    data += "\n";
  }
  std::string plot = "plot ";
  for (std::size_t i = 0; i < columns.size(); ++i)
    plot += fmt::format("{}$status using {}{} title {}", i ? ", " : "", i + 2, i ? "" : ":xtic(1)", gnuplot_string(columns[i]));
  std::string script = "$status << EOD\n" + data + "EOD\n";
  script +=
      "set title \"attempts per op by outcome\"\n"
      "set ylabel \"attempts\"\n"
      "set style data histograms\n"
      "set style histogram rowstacked\n"
      "set style fill solid 0.85 border -1\n"
      "set boxwidth 0.7\n"
      "set key outside right top\n"
      "set xtics rotate by -35\n"
      "set yrange [0:*]\n"
      "set grid ytics\n" +
      plot + "\n";
  return {"status", "attempts per op by outcome", script};
}

std::optional<PlotSpec> bandwidth_plot(const Roofline& r, const std::string& name) {
  Series s;
  for (const auto& p : r.points)
    if (p.bytes > 0 && p.gbps > 0) s.add(p.c->op, p.bytes, p.gbps);
  if (s.rows.empty()) return std::nullopt;
  const std::string title = fmt::format("{} {}: best variant per case, GB/s", r.backend, r.device);
  std::string script = s.blocks("bw") + axes(title, "bytes moved (op's traffic model)", "GB/s", "x", s.lo / 2, s.hi * 2);
  script += "set yrange [0:*]\n";
  std::string plot = "plot " + s.clauses("bw", "with points");
  if (r.copy_gbps > 0) plot += fmt::format(", {:.6g} with lines lw 2 dt 2 lc rgb \"#444444\" title \"copy {:.1f} GB/s\"", r.copy_gbps, r.copy_gbps);
  return PlotSpec{name, title, script + plot + "\n"};
}

std::optional<PlotSpec> roofline_plot(const Roofline& r, const std::string& name) {
  Series s;
  for (const auto& p : r.points)
    if (p.intensity && p.gflops && *p.gflops > 0) s.add(p.c->op, *p.intensity, *p.gflops);
  if (s.rows.empty()) return std::nullopt;
  const std::string title = fmt::format("{} {}: roofline of the best variants", r.backend, r.device);
  // From left of the points to past the ridge (where the copy roof meets the peak).
  const double right = std::max(s.hi * 4, r.copy_gbps > 0 ? 10 * r.peak_gflops / r.copy_gbps : 100.0);
  std::string script = s.blocks("rl") + axes(title, "FLOP per byte", "GFLOP/s", "xy", std::min(s.lo / 4, 0.01), right);
  script += fmt::format(
      "set samples 400\n"
      "copy = {:.6g}\n"
      "peak = {:.6g}\n"
      "roof(x) = (copy > 0 && copy * x < peak) ? copy * x : peak\n",
      r.copy_gbps, r.peak_gflops);
  const std::string peak = r.peak_given ? "peak" : "highest observed";
  std::string plot = fmt::format("plot roof(x) with lines lw 2 lc rgb \"#444444\" title {}, ",
                                 gnuplot_string(fmt::format("roof: copy {:.1f} GB/s, {} {:.1f} GFLOP/s", r.copy_gbps, peak, r.peak_gflops)));
  plot += s.clauses("rl", "with points");
  return PlotSpec{name, title, script + plot + "\n"};
}

PlotSpec pareto_plot(const ParetoFront& f, const std::string& name) {
  std::string all, front;
  for (const auto& p : f.points) {
    all += fmt::format("{:.6g} {:.6g}\n", p.error, p.latency_us);
    if (p.on_front) front += fmt::format("{:.6g} {:.6g}\n", p.error, p.latency_us);
  }
  const std::string title = f.c->label();
  std::string script = "$all << EOD\n" + all + "EOD\n$front << EOD\n" + front + "EOD\n";
  script += fmt::format(
      "set title {}\n"
      "set xlabel {}\n"
      "set ylabel \"p50 latency (us)\"\n"
      "set grid\n"
      "set key outside right top\n"
      "set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05\n"
      "plot $all using 1:2 with points pt 6 ps 1.2 lc rgb \"#999999\" title \"variants\", "
      "$front using 1:2 with linespoints pt 7 ps 1.3 lw 2 lc rgb \"#d62728\" title \"Pareto front\"\n",
      gnuplot_string(title), gnuplot_string(f.error_measure));
  return {name, title, script};
}

}  // namespace foundry::report
