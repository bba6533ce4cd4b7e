// Kernel templates: discovery under templates/<op>/<backend>/, YAML front
// matter, strict rendering, and constraint/launch expressions.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/expr.hpp"
#include "core/types.hpp"

namespace foundry {

struct KnobSpec {
  std::string name;
  std::vector<int64_t> domain;
};

struct KernelTemplate {
  std::string id;
  std::string op;
  std::string backend;
  std::string summary;
  std::filesystem::path path;
  std::vector<KnobSpec> knobs;                       // in front-matter order
  std::vector<std::string> constraints;              // expressions that must be non-zero
  std::map<std::string, std::string> launch;         // grid, threads, smem, cluster -> expression
  std::map<std::string, std::vector<std::string>> flags_if;  // knob -> flags added when knob != 0
  std::string body;       // source after the front matter
  int body_first_line = 1;  // line number of body's first line in the file

  const KnobSpec* knob(const std::string& name) const;
  // Number of knob combinations (product of domain sizes).
  double space_size() const;
};

// Parses one template file; throws std::runtime_error naming the file (and line)
// on any problem: bad front matter, unknown placeholder, unused knob.
KernelTemplate load_template(const std::filesystem::path& path);
// The same from the file's text; `path` names it in errors and its stem must be the id.
KernelTemplate parse_template(const std::filesystem::path& path, const std::string& text);

// All templates under root/<op>/<backend>/ for every op; validates that the
// directory names agree with the front matter.
std::vector<KernelTemplate> discover_templates(const std::filesystem::path& root);

// The default template root: $FOUNDRY_TEMPLATES, else the templates found from
// the executable (installed share/foundry/templates, a bundle's templates/, or
// the source tree beside a build).
std::filesystem::path default_template_root();

// Substitutes {{KNOB}} placeholders. Throws naming file:line on an unknown one.
// A template with a launch `cluster` gets `#define FOUNDRY_CLUSTER_BLOCKS <n>`
// first (its value for these knobs): the backend compiles it into the kernel.
std::string render(const KernelTemplate& t, const Knobs& knobs);
// Leaves every {{KNOB}} as the bare identifier KNOB, for a tool that supplies
// knobs as preprocessor definitions (#define KNOB value); a cluster's
// expression comes first as the macro FOUNDRY_CLUSTER_BLOCKS.
std::string render_macros(const KernelTemplate& t);

// Blocks per thread-block cluster for these knobs (the launch's `cluster`
// expression), or 0 when the template launches no clusters.
int64_t cluster_blocks(const KernelTemplate& t, const Knobs& knobs);

// Symbols visible to constraint and launch expressions: shape sizes and knobs.
Symbols expression_symbols(const Shape& shape, const Knobs& knobs);

// The first violated constraint, or empty when all hold. A launch `cluster`
// adds two: 1..16 blocks, and a grid that is a whole number of clusters.
std::string violated_constraint(const KernelTemplate& t, const Shape& shape, const Knobs& knobs);

// Extra compiler flags implied by the knob values.
std::vector<std::string> template_flags(const KernelTemplate& t, const Knobs& knobs);

}  // namespace foundry
