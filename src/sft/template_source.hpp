// Examples from the template root: for every template of a registered op,
// "write a parameterised template for this op", answered by the template
// file itself (front matter and body).
#pragma once
#include <vector>

#include "sft/example.hpp"
#include "templates/template.hpp"

namespace foundry::sft {

SourceResult template_examples(const std::vector<KernelTemplate>& templates);

}  // namespace foundry::sft
