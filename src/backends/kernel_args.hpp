// A kernel's arguments in the ABI every backend shares: buffers in contract
// order, then the size symbols (int64), then the scalar params (float or
// int64), each passed as a pointer to its value.
#pragma once
#include <cstdint>
#include <vector>

#include "ops/op_contract.hpp"

namespace foundry {

// `args` is what a launch takes. `buffers` are the buffers' addresses where
// the kernel sees them (host or device).
struct KernelArgs {
  KernelArgs(const OpContract& op, std::vector<void*> buffers, const Case& c);
  std::vector<void*> ptrs;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::vector<void*> args;
};

}  // namespace foundry
