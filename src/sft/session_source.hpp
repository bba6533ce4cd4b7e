// Examples from foundry sessions: every session directory under a root. A
// trusted correct variant (Record::trusted_ok) becomes "write this kernel",
// answered by its rendered body (read from source_path and checked against
// source_sha256); the fastest trusted variant of a case says so in its
// prompt. With repairs, a failing variant with its compiler log or mismatch
// report asks for the fix, answered by the trusted variant of the same
// template and case nearest to it in knob values. A failing kernel is never an answer.
#pragma once
#include <filesystem>
#include <vector>

#include "sft/example.hpp"
#include "templates/template.hpp"

namespace foundry::sft {

// Throws std::invalid_argument naming --sessions-root when root is not a
// directory, and std::runtime_error naming the file and line of a record of
// another schema (read_session_records).
SourceResult read_sessions(const std::filesystem::path& root, const std::vector<KernelTemplate>& templates,
                           bool include_repairs);

}  // namespace foundry::sft
