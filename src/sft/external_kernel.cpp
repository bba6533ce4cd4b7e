#include "sft/external_kernel.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "ops/registry.hpp"

namespace foundry::sft {

using nlohmann::json;

namespace {

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw std::invalid_argument(fmt::format("{}: {}", where, what));
}

const json& required(const json& j, const std::string& key, const std::string& where) {
  if (!j.is_object()) fail(where, "expected a JSON object");
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) fail(where, fmt::format("missing `{}`", key));
  return *it;
}

std::string string_field(const json& j, const std::string& key, const std::string& where, bool need) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (need) fail(where, fmt::format("missing `{}`", key));
    return "";
  }
  if (!it->is_string()) fail(where, fmt::format("`{}` must be a string", key));
  return it->get<std::string>();
}

// An optional object of name -> number; integers only when `integers`.
template <class Map>
Map number_map(const json& j, const std::string& key, const std::string& where, bool integers) {
  Map m;
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return m;
  if (!it->is_object()) fail(where, fmt::format("`{}` must be an object of names to numbers", key));
  for (const auto& [name, v] : it->items()) {
    if (integers ? !v.is_number_integer() : !v.is_number())
      fail(where, fmt::format("`{}.{}` must be {}", key, name, integers ? "an integer" : "a number"));
    m[name] = v.template get<typename Map::mapped_type>();
  }
  return m;
}

}  // namespace

void check_external_schema(const json& j, const std::string& where) {
  const json& s = required(j, "schema", where);
  if (!s.is_number_integer() || s.get<int64_t>() != kExternalSchema)
    fail(where, fmt::format("`schema` is {}, this foundry reads schema {}", s.dump(), kExternalSchema));
}

void parse_external_case(const json& j, const std::string& where, ExternalKernel& k) {
  if (!j.is_object()) fail(where, "expected a JSON object");
  k.op = string_field(j, "op", where, true);
  if (!Registry::instance().find(k.op)) fail(where, fmt::format("unknown op `{}` (foundry list)", k.op));
  k.backend = string_field(j, "backend", where, true);
  try {
    backend_row(k.backend);
  } catch (const std::invalid_argument& e) {
    fail(where, fmt::format("`backend`: {}", e.what()));
  }
  const std::string dt = string_field(j, "dtype", where, true);
  const auto d = parse_dtype(dt);
  if (!d) fail(where, fmt::format("unknown dtype `{}` (f32, f16, bf16)", dt));
  k.dtype = *d;
  k.shape = number_map<Shape>(j, "shape", where, true);
  k.params = number_map<Params>(j, "params", where, false);
}

void parse_external_candidate(const json& j, const std::string& where, ExternalKernel& k) {
  if (!j.is_object()) fail(where, "expected a JSON object");
  k.id = string_field(j, "id", where, false);
  k.template_id = string_field(j, "template_id", where, false);
  k.knobs = number_map<Knobs>(j, "knobs", where, true);
  k.source = string_field(j, "source", where, true);
  if (k.source.find_first_not_of(" \t\r\n") == std::string::npos) fail(where, "`source` is empty");
  const json& ev = required(j, "evaluation", where);
  if (!ev.is_object()) fail(where, "`evaluation` must be an object");
  const auto c = ev.find("correct");
  if (c == ev.end() || !c->is_boolean()) fail(where, "`evaluation.correct` must be true or false");
  k.correct = c->get<bool>();
  k.status = string_field(ev, "status", where + " evaluation", false);
  if (!k.status.empty() && !parse_status(k.status))
    fail(where, fmt::format("`evaluation.status` `{}` is not a foundry status", k.status));
  k.error = string_field(ev, "error", where + " evaluation", false);
  const auto l = ev.find("latency_us");
  if (l != ev.end() && !l->is_null()) {
    if (!l->is_number()) fail(where, "`evaluation.latency_us` must be a number");
    k.latency_us = l->get<double>();
  }
}

KernelTask external_task(const ExternalKernel& k, const std::vector<KernelTemplate>& templates) {
  return make_task(Registry::instance().get(k.op), backend_row(k.backend), k.dtype, k.shape, k.params, k.template_id,
                   k.knobs, templates);
}

Example external_example(const ExternalKernel& k, const std::string& source, const std::vector<KernelTemplate>& templates,
                         json meta) {
  meta["id"] = k.id;
  meta["backend"] = k.backend;
  meta["dtype"] = to_string(k.dtype);
  meta["template_id"] = k.template_id;
  meta["latency_us"] = k.latency_us ? json(*k.latency_us) : json(nullptr);
  return {source, k.op, k.op + "/" + (k.template_id.empty() ? source : k.template_id), system_prompt(),
          variant_prompt(external_task(k, templates)), kernel_body(k.source), std::move(meta)};
}

std::size_t line_of(const std::string& text, std::size_t offset) {
  std::size_t line = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) line += text[i] == '\n';
  return line;
}

}  // namespace foundry::sft
