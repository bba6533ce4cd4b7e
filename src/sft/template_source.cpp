#include "sft/template_source.hpp"

#include <fstream>

#include "ops/registry.hpp"
#include "sft/prompt.hpp"

namespace foundry::sft {

SourceResult template_examples(const std::vector<KernelTemplate>& templates) {
  SourceResult out;
  for (const auto& t : templates) {
    const OpContract* op = Registry::instance().find(t.op);
    const BackendRow* backend = nullptr;
    for (const auto& row : backend_table())
      if (row.name == t.backend) backend = &row;
    if (!op || !backend) {
      ++out.skipped[op ? "unknown_backend" : "unknown_op"];
      continue;
    }
    std::ifstream in(t.path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    out.inputs.push_back(t.op + "/" + t.backend + "/" + t.path.filename().string());
    out.examples.push_back({"template", t.op, t.op + "/" + t.id, system_prompt(), template_prompt(*op, *backend, t), text,
                            {{"template_id", t.id}, {"backend", t.backend}, {"file", t.path.filename().string()}}});
  }
  return out;
}

}  // namespace foundry::sft
