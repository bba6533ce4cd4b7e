// The plain template of an op on a backend: the reference implementation a
// variant's speed-up is measured against.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "run/record.hpp"
#include "templates/template.hpp"

namespace foundry::report {

// (op, backend) -> template id.
using Baselines = std::map<std::pair<std::string, std::string>, std::string>;

// The template whose id ends in `_plain` (from the records and the
// templates); where an op has none on a backend (the cpu templates are named
// for their method: `rmsnorm_rowloop`), the template whose front-matter
// summary starts with "plain". No entry when neither exists.
Baselines find_baselines(const std::vector<Record>& records, const std::vector<KernelTemplate>& templates);

// Templates under `root`, or none when it cannot be read (a report then knows
// only the `_plain` ids of its records).
std::vector<KernelTemplate> templates_or_none(const std::filesystem::path& root);

}  // namespace foundry::report
