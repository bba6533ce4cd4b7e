// Examples from discover sessions: `*session.json` files under a root, each a
// search tree of kernels proposed for one case, every node with its
// evaluation (docs/SFT_SOURCES.md). Correct nodes become answers; with
// repairs, a failing node whose child is correct asks for the fix the child
// made. A malformed file is an error naming the file and the line or node.
#pragma once
#include <filesystem>
#include <vector>

#include "sft/example.hpp"
#include "templates/template.hpp"

namespace foundry::sft {

// Throws std::invalid_argument naming --discover-root when root is not a
// directory, and "<file>: ..." (with the line of a JSON syntax error, the
// path of a bad node) for a file that is not a discover session of the schema.
SourceResult read_discover_sessions(const std::filesystem::path& root, const std::vector<KernelTemplate>& templates,
                                    bool include_repairs);

}  // namespace foundry::sft
