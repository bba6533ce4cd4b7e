// Checking the index outputs of selection ops (topk, MoE gating). Equal keys
// make several index choices correct, so indices are checked for what they
// select rather than against the reference's own choice.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "core/buffer.hpp"
#include "ops/op_contract.hpp"

namespace foundry::selection {

// Counts one mismatch and keeps the more severe status (unwritten > nonfinite
// > mismatch), with the first detail of that severity, like compare_elementwise.
void flag(CheckResult& r, Status s, const std::string& detail);

// idx is [rows, k]. Every entry must be written, lie in [0, range) and be
// distinct within its row; then agrees(row, j, index) must return "" or else
// says why the selected element does not fit output j. Merges into r.
void check_indices(const HostBuffer& idx, int64_t rows, int64_t k, int64_t range,
                   const std::function<std::string(int64_t row, int64_t j, int64_t index)>& agrees,
                   CheckResult& r);

}  // namespace foundry::selection
