// A run's starting state in host memory, for executors whose kernels read and
// write the host buffers in place.
#pragma once
#include <vector>

#include "core/buffer.hpp"
#include "ops/op_contract.hpp"

namespace foundry {

// Inputs and inout buffers copied from the pristine set, outputs poisoned, so
// an element the kernel does not write fails the check.
void prepare_buffers(const OpContract& op, const std::vector<HostBuffer>& pristine, std::vector<HostBuffer>& work);

// The buffers' host addresses, in order (KernelArgs' `buffers` for a host run).
std::vector<void*> host_pointers(std::vector<HostBuffer>& work);

}  // namespace foundry
