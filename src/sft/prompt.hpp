// The prompts of every example, built from the op contract so that sessions,
// KD runs and discover trees ask the same question in the same words: the
// math, the kernel signature of the ABI, the buffers and their shapes, the
// dtype, the tolerance, the target backend and language, and for a variant
// the template's approach and knob values.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "backends/backend_table.hpp"
#include "core/types.hpp"
#include "ops/op_contract.hpp"
#include "templates/template.hpp"

namespace foundry::sft {

// The system message of every example.
std::string system_prompt();

// One concrete kernel to write: an op's case on a backend, and where known
// the template and knob values it was rendered from.
struct KernelTask {
  const OpContract* op = nullptr;
  const BackendRow* backend = nullptr;
  DType dtype = DType::f32;
  Shape shape;    // empty: any shape
  Params params;  // empty: any values of the op's domains
  std::optional<Launch> launch;
  std::string template_id;                 // empty: no template
  const KernelTemplate* tmpl = nullptr;    // its front matter, when the template root has it
  Knobs knobs;
  bool fastest = false;  // the fastest trusted variant recorded for its case
};

// A task from its parts, the template's front matter looked up in `templates`.
KernelTask make_task(const OpContract& op, const BackendRow& backend, DType dtype, Shape shape, Params params,
                     const std::string& template_id, Knobs knobs, const std::vector<KernelTemplate>& templates);

// The contract part every prompt shares: op, math, target, signature,
// buffers, tolerance and prelude. `dtype` empty: the template form (any dtype).
std::string contract_text(const OpContract& op, const BackendRow& backend, std::optional<DType> dtype);

// "Write this kernel": the contract, the case, the design, what to answer with.
std::string variant_prompt(const KernelTask& task);

// "Write a parameterised template for this op": the contract, the template
// format, and the template's id and approach.
std::string template_prompt(const OpContract& op, const BackendRow& backend, const KernelTemplate& t);

// "This kernel failed, here is why, write a correct one": `task` is the
// kernel to write (its knobs those of the correct answer), `failed_knobs` the
// failing attempt's, `status` and `report` (compiler log, mismatch detail) why it failed.
std::string repair_prompt(const KernelTask& task, const Knobs& failed_knobs, const std::string& failed_source,
                          const std::string& status, const std::string& report);

// The part of a rendered translation unit a kernel author writes: the
// template's rendered body, between the prelude and the generated entry point.
// A source without those markers (a KD kernel) is returned as it is, trimmed.
std::string kernel_body(const std::string& translation_unit);

// The template of `op` on `backend` with this id among `templates`; nullptr when none.
const KernelTemplate* find_template(const std::vector<KernelTemplate>& templates, const std::string& op,
                                    const std::string& backend, const std::string& id);

// The signature of the kernel function of `op` on `backend`, one line.
std::string kernel_signature(const OpContract& op, const BackendRow& backend);

}  // namespace foundry::sft
