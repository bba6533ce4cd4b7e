// Integer-valued expressions over named symbols (shape sizes, knobs), parsed by
// muparser. Used for buffer dimensions, template constraints and launch geometry.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace foundry {

using Symbols = std::map<std::string, int64_t>;

// Evaluates `expr`; throws std::runtime_error naming the expression on any
// unknown symbol or syntax error. Functions: ceil, floor, min, max, cdiv(a,b),
// and the operator %.
double eval_expr(const std::string& expr, const Symbols& symbols);
int64_t eval_int(const std::string& expr, const Symbols& symbols);

// The symbols `expr` names; throws std::runtime_error naming the expression
// on a syntax error (any symbol is accepted, so it can be checked before the
// shape and knobs it refers to are known).
std::vector<std::string> expr_symbols(const std::string& expr);

// An expression parsed once over a fixed list of symbols and evaluated for
// many values of them (a constraint over every point of a space): the same
// functions and errors as eval_expr.
class CompiledExpr {
 public:
  CompiledExpr(const std::string& expr, const std::vector<std::string>& names);
  ~CompiledExpr();
  CompiledExpr(CompiledExpr&&) noexcept;
  CompiledExpr& operator=(CompiledExpr&&) noexcept;
  // values[i] is the value of names[i].
  double eval(const std::vector<double>& values) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace foundry
