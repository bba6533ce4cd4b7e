// The report's plots as gnuplot scripts (gnuplot.hpp draws them): statuses
// per op, each roofline's GB/s and GFLOP/s, each case's Pareto front.
#pragma once
#include <optional>

#include "report/coverage.hpp"
#include "report/gnuplot.hpp"
#include "report/pareto.hpp"
#include "report/roofline.hpp"

namespace foundry::report {

// Attempts per op stacked by outcome: trusted ok, ok but labelled, each failing status.
PlotSpec status_plot(const CoverageTable& ops);
// Achieved GB/s of each case's best variant against the bytes it moves, with
// the copy bandwidth; none when no best variant has a traffic model.
std::optional<PlotSpec> bandwidth_plot(const Roofline& r, const std::string& name);
// GFLOP/s against FLOP per byte with the roofs (copy bandwidth, peak); none when no best variant does floating-point work.
std::optional<PlotSpec> roofline_plot(const Roofline& r, const std::string& name);
// Latency against error: every point, the front joined.
PlotSpec pareto_plot(const ParetoFront& f, const std::string& name);

}  // namespace foundry::report
