#include "backends/kernel_args.hpp"

namespace foundry {

KernelArgs::KernelArgs(const OpContract& op, std::vector<void*> buffers, const Case& c) : ptrs(std::move(buffers)) {
  for (const auto& s : op.size_symbols) ints.push_back(op.dim(c, s));
  const std::size_t n_size = ints.size();
  for (const auto& p : op.params) {
    if (p.type == ParamType::i64) ints.push_back(static_cast<int64_t>(op.param(c, p.name)));
    else floats.push_back(static_cast<float>(op.param(c, p.name)));
  }
  // Pointers into the vectors are taken only now that they are complete.
  for (auto& p : ptrs) args.push_back(&p);
  for (std::size_t i = 0; i < n_size; ++i) args.push_back(&ints[i]);
  std::size_t ii = n_size, fi = 0;
  for (const auto& p : op.params) args.push_back(p.type == ParamType::i64 ? static_cast<void*>(&ints[ii++]) : &floats[fi++]);
}

}  // namespace foundry
