#include "sft/prompt.hpp"

#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace foundry::sft {

namespace {

constexpr char kTemplateMarker[] = "// ---- template ----\n";
constexpr char kEntryMarker[] = "\n// ---- entry point";

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string role_name(Role r) {
  switch (r) {
    case Role::in: return "input";
    case Role::out: return "output";
    case Role::inout: return "input and output (updated in place)";
  }
  return "";
}

std::string elem_type(const BufferSpec& b) {
  if (!b.fixed) return "T";
  switch (*b.fixed) {
    case Elem::f32: return "float";
    case Elem::i32: return "int32_t";
    case Elem::i8: return "int8_t";
    case Elem::u8: return "uint8_t";
    default: return to_string(*b.fixed);
  }
}

template <class Map>
std::string pairs(const Map& m) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : m) parts.push_back(fmt::format("{}={}", k, v));
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::string tolerance_line(const OpContract& op, const BufferSpec& b, std::optional<DType> dtype) {
  std::vector<DType> dts = dtype ? std::vector<DType>{*dtype} : op.dtypes;
  std::vector<std::string> parts;
  for (DType d : dts) {
    const Tolerance t = op.tolerance(d, b);
    const std::string rule = t.atol == 0 && t.rtol == 0
                                 ? "exact"
                                 : fmt::format("|y - ref| <= {} * rms(ref) + {} * |ref|", t.atol, t.rtol);
    parts.push_back(dtype ? rule : fmt::format("{}: {}", to_string(d), rule));
  }
  return fmt::format("- {}: {}", b.name, fmt::join(parts, "; "));
}

std::string dtype_list(const OpContract& op) {
  std::vector<std::string> v;
  for (DType d : op.dtypes) v.push_back(to_string(d));
  return fmt::format("{}", fmt::join(v, ", "));
}

std::string knob_list(const Knobs& knobs) { return knobs.empty() ? "none" : pairs(knobs); }

void design_lines(std::ostringstream& s, const KernelTask& t) {
  if (t.template_id.empty()) return;
  s << "Design: template `" << t.template_id << "`";
  if (t.tmpl && !t.tmpl->summary.empty()) s << " (" << t.tmpl->summary << ")";
  s << " with knobs " << knob_list(t.knobs) << ".\n";
  if (t.tmpl) {
    const auto flags = template_flags(*t.tmpl, t.knobs);
    if (!flags.empty()) s << "Compiler flags these knobs add: " << fmt::format("{}", fmt::join(flags, " ")) << ".\n";
  }
}

void case_lines(std::ostringstream& s, const KernelTask& t) {
  s << "Case: " << (t.shape.empty() ? "any shape" : pairs(t.shape));
  if (!t.op->params.empty()) s << "; " << (t.params.empty() ? "any parameter values" : pairs(t.params));
  s << ".\n";
  if (t.launch) {
    s << "Launch: grid " << t.launch->grid << " blocks, " << t.launch->threads << " threads";
    if (t.launch->smem) s << ", " << t.launch->smem << " bytes of dynamic shared memory";
    if (t.tmpl) {
      std::vector<std::string> exprs;
      for (const auto& [k, e] : t.tmpl->launch) exprs.push_back(fmt::format("{} = {}", k, e));
      s << " (" << fmt::format("{}", fmt::join(exprs, ", ")) << ")";
    }
    s << ".\n";
  }
}

}  // namespace

std::string system_prompt() {
  return "You are a kernel engineer. You write correct, fast compute kernels for ML ops against a fixed kernel ABI: "
         "every output element within tolerance of a float64 reference, on typical data and on large and tiny "
         "magnitudes. You answer with source code only.";
}

std::string kernel_signature(const OpContract& op, const BackendRow& backend) {
  std::vector<std::string> params;
  for (const auto& b : op.buffers)
    params.push_back(fmt::format("{}{}* {}", b.role == Role::in ? "const " : "", elem_type(b), b.name));
  for (const auto& sym : op.size_symbols) params.push_back("int64_t " + sym);
  for (const auto& p : op.params) params.push_back(fmt::format("{} {}", p.type == ParamType::f32 ? "float" : "int64_t", p.name));
  return fmt::format("{}{})", backend.kernel_form, fmt::join(params, ", "));
}

std::string contract_text(const OpContract& op, const BackendRow& backend, std::optional<DType> dtype) {
  std::ostringstream s;
  s << "Op `" << op.name << "`: " << op.summary << " (kernel class " << to_string(op.kernel_class) << ", "
    << class_description(op.kernel_class) << ").\n";
  s << "Math: " << op.math << "\n";
  s << "Target: backend `" << backend.name << "`, " << backend.language << ".\n";
  if (dtype)
    s << "Dtype: " << to_string(*dtype) << " (T).\n";
  else
    s << "Dtypes: " << dtype_list(op) << " (T is the dtype; one source serves all of them).\n";
  s << "Kernel signature (buffers in contract order, then the sizes, then the scalar parameters):\n"
    << kernel_signature(op, backend) << "\n";
  s << "Buffers:\n";
  for (const auto& b : op.buffers)
    s << "- " << b.name << ": " << role_name(b.role) << ", " << elem_type(b) << "[" << fmt::format("{}", fmt::join(b.dims, ", "))
      << "]\n";
  if (!op.params.empty()) {
    s << "Scalar parameters:\n";
    for (const auto& p : op.params)
      s << "- " << p.name << ": " << (p.type == ParamType::f32 ? "float" : "int64_t") << ", values "
        << fmt::format("{}", fmt::join(p.domain, ", ")) << "\n";
  }
  s << "Tolerance against the float64 reference";
  if (!op.elementwise_check()) s << " (the op's own comparison: equal values may come in either order)";
  s << ":\n";
  for (const auto& b : op.buffers)
    if (b.role != Role::in) s << tolerance_line(op, b, dtype) << "\n";
  s << "Outputs left unwritten, or NaN/Inf where the reference is finite, fail.\n";
  s << "Prelude (already included): " << backend.prelude << ".\n";
  return s.str();
}

std::string variant_prompt(const KernelTask& t) {
  std::ostringstream s;
  s << "Write the " << t.backend->name << " kernel for this case.\n\n" << contract_text(*t.op, *t.backend, t.dtype);
  case_lines(s, t);
  design_lines(s, t);
  if (t.fastest) s << "Performance: the fastest correct variant recorded for this case.\n";
  s << "\nAnswer with the kernel source only: the code that goes between the prelude and the generated entry point, "
       "defining `kernel` with the signature above.";
  return s.str();
}

std::string template_prompt(const OpContract& op, const BackendRow& backend, const KernelTemplate& t) {
  std::ostringstream s;
  s << "Write a parameterised " << backend.name << " kernel template for this op.\n\n" << contract_text(op, backend, std::nullopt);
  s << "Shapes: any values of " << fmt::format("{}", fmt::join(op.size_symbols, ", ")) << ".\n";
  s << "Template `" << t.id << "`: " << t.summary << ".\n";
  s << "\nAnswer with the template file: YAML front matter in a leading `// ---` comment block (id, op, backend, "
       "summary, knobs with their integer values, constraints, launch grid and threads as expressions over the "
       "sizes and knobs, flags_if), then the kernel source with {{KNOB}} placeholders, every knob used.";
  return s.str();
}

std::string repair_prompt(const KernelTask& t, const Knobs& failed_knobs, const std::string& failed_source,
                          const std::string& status, const std::string& report) {
  std::ostringstream s;
  s << "This " << t.backend->name << " kernel failed its checks. Write a correct one for the same case.\n\n"
    << contract_text(*t.op, *t.backend, t.dtype);
  case_lines(s, t);
  s << "Failed attempt";
  if (!t.template_id.empty()) s << " (template `" << t.template_id << "`, knobs " << knob_list(failed_knobs) << ")";
  s << ": status " << status << ".\n";
  if (!report.empty()) s << "Report:\n" << report << "\n";
  s << "Source of the failed attempt:\n```\n" << failed_source << "\n```\n";
  if (!t.template_id.empty()) s << "Write it as template `" << t.template_id << "` with knobs " << knob_list(t.knobs) << ".\n";
  s << "\nAnswer with the corrected kernel source only.";
  return s.str();
}

KernelTask make_task(const OpContract& op, const BackendRow& backend, DType dtype, Shape shape, Params params,
                     const std::string& template_id, Knobs knobs, const std::vector<KernelTemplate>& templates) {
  KernelTask t;
  t.op = &op;
  t.backend = &backend;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.params = std::move(params);
  t.template_id = template_id;
  t.tmpl = template_id.empty() ? nullptr : find_template(templates, op.name, backend.name, template_id);
  t.knobs = std::move(knobs);
  return t;
}

const KernelTemplate* find_template(const std::vector<KernelTemplate>& templates, const std::string& op,
                                    const std::string& backend, const std::string& id) {
  for (const auto& t : templates)
    if (t.op == op && t.backend == backend && t.id == id) return &t;
  return nullptr;
}

std::string kernel_body(const std::string& unit) {
  const auto b = unit.find(kTemplateMarker);
  if (b == std::string::npos) return trim(unit);
  const auto start = b + sizeof(kTemplateMarker) - 1;
  const auto e = unit.find(kEntryMarker, start);
  return trim(unit.substr(start, e == std::string::npos ? std::string::npos : e - start));
}

}  // namespace foundry::sft
