// The lines `foundry run` ends with: per op and regime the best trusted
// variant (of the case where it reached the highest share of the copy
// bandwidth, latencies of different shapes not being comparable), failures
// by status, and the report command to run next.
#pragma once
#include <filesystem>
#include <string>

#include "report/analysis.hpp"

namespace foundry::report {

std::string run_summary_text(const Analysis& a, const std::filesystem::path& session);

}  // namespace foundry::report
