#include "backends/host_buffers.hpp"

#include <cstring>

namespace foundry {

void prepare_buffers(const OpContract& op, const std::vector<HostBuffer>& pristine, std::vector<HostBuffer>& work) {
  for (std::size_t i = 0; i < op.buffers.size(); ++i) {
    if (op.buffers[i].role == Role::out)
      work[i].fill_bits(poison_bits(work[i].elem()));
    else
      std::memcpy(work[i].data(), pristine[i].data(), work[i].bytes());
  }
}

std::vector<void*> host_pointers(std::vector<HostBuffer>& work) {
  std::vector<void*> p;
  for (auto& b : work) p.push_back(b.data());
  return p;
}

}  // namespace foundry
