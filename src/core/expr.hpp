// Integer-valued expressions over named symbols (shape sizes, knobs), parsed by
// muparser. Used for buffer dimensions, template constraints and launch geometry.
#pragma once
#include <cstdint>
#include <map>
#include <string>

namespace foundry {

using Symbols = std::map<std::string, int64_t>;

// Evaluates `expr`; throws std::runtime_error naming the expression on any
// unknown symbol or syntax error. Functions: ceil, floor, min, max, cdiv(a,b),
// and the operator %.
double eval_expr(const std::string& expr, const Symbols& symbols);
int64_t eval_int(const std::string& expr, const Symbols& symbols);

}  // namespace foundry
