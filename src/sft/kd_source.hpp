// Examples from knowledge-distillation runs: `run.ndjson` files under a root,
// one kernel a teacher model wrote per line, with its evaluation
// (docs/SFT_SOURCES.md). Only kernels whose evaluation says correct become
// answers; a malformed line is an error naming the file and line.
#pragma once
#include <filesystem>
#include <vector>

#include "sft/example.hpp"
#include "templates/template.hpp"

namespace foundry::sft {

// Throws std::invalid_argument naming --kd-root when root is not a directory,
// and "<file>:<line>: ..." for a line that is not a kernel of the schema.
SourceResult read_kd_runs(const std::filesystem::path& root, const std::vector<KernelTemplate>& templates);

}  // namespace foundry::sft
