// A kernel proposed outside foundry's runs (a KD teacher's, a node of a
// discover tree) with its evaluation: the fields both formats share
// (docs/SFT_SOURCES.md), parsed strictly, every error naming where it is.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sft/example.hpp"
#include "sft/prompt.hpp"

namespace foundry::sft {

// The schema version of KD runs and discover sessions this foundry reads.
inline constexpr int kExternalSchema = 1;

struct ExternalKernel {
  // The case.
  std::string op, backend;
  DType dtype = DType::f32;
  Shape shape;
  Params params;
  // The candidate.
  std::string id;
  std::string template_id;  // empty: written from scratch
  Knobs knobs;
  std::string source;
  // Its evaluation.
  bool correct = false;
  std::string status;  // "ok" or a foundry status; empty when not given
  std::string error;
  std::optional<double> latency_us;

  // Only a kernel whose evaluation says correct (and, when given, status ok) becomes an answer.
  bool admitted() const { return correct && (status.empty() || status == "ok"); }
};

// Reads `schema` (must be kExternalSchema) from j; throws std::invalid_argument "<where>: ...".
void check_external_schema(const nlohmann::json& j, const std::string& where);
// op, backend, dtype (required), shape, params (optional) of j into k.
void parse_external_case(const nlohmann::json& j, const std::string& where, ExternalKernel& k);
// id, template_id, knobs (optional), source and evaluation (required) of j into k.
void parse_external_candidate(const nlohmann::json& j, const std::string& where, ExternalKernel& k);

// The kernel's task (the template's front matter when `templates` has it).
KernelTask external_task(const ExternalKernel& k, const std::vector<KernelTemplate>& templates);
// The "write this kernel" example of an admitted kernel, family "<op>/<template id or source>".
Example external_example(const ExternalKernel& k, const std::string& source, const std::vector<KernelTemplate>& templates,
                         nlohmann::json meta);

// The 1-based line of byte `offset` in `text`.
std::size_t line_of(const std::string& text, std::size_t offset);

}  // namespace foundry::sft
