// coverage.md: the sessions, each case's best variant against its plain
// template, and the coverage tables, as Markdown.
#pragma once
#include <string>

#include "report/analysis.hpp"

namespace foundry::report {

std::string coverage_markdown(const Analysis& a);

// "compile_error=2 mismatch=1", or "-" when there are none.
std::string failures_text(const CoverageRow& row);
// A number as the report prints it: 3 significant digits (whole numbers from 1000 on), "-" for none.
std::string num(const std::optional<double>& v, const char* suffix = "");

}  // namespace foundry::report
