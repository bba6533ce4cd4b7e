#include "core/expr.hpp"

#include <muParser.h>

#include <cmath>
#include <stdexcept>

namespace foundry {

namespace {
double fn_ceil(double v) { return std::ceil(v); }
double fn_floor(double v) { return std::floor(v); }
double fn_cdiv(double a, double b) { return std::ceil(a / b); }
double op_mod(double a, double b) { return std::fmod(a, b); }
double fn_pow2(double v) {  // is v a power of two
  auto i = static_cast<int64_t>(v);
  return (v == static_cast<double>(i) && i > 0 && (i & (i - 1)) == 0) ? 1.0 : 0.0;
}
}  // namespace

double eval_expr(const std::string& expr, const Symbols& symbols) {
  try {
    mu::Parser p;
    p.DefineFun("ceil", fn_ceil);
    p.DefineFun("floor", fn_floor);
    p.DefineFun("cdiv", fn_cdiv);
    p.DefineFun("is_pow2", fn_pow2);
    p.DefineOprt("%", op_mod, mu::prMUL_DIV);
    std::map<std::string, double> values;
    for (const auto& [k, v] : symbols) values[k] = static_cast<double>(v);
    for (auto& [k, v] : values) p.DefineVar(k, &v);
    p.SetExpr(expr);
    return p.Eval();
  } catch (mu::Parser::exception_type& e) {
    throw std::runtime_error("expression '" + expr + "': " + e.GetMsg());
  }
}

int64_t eval_int(const std::string& expr, const Symbols& symbols) {
  double v = eval_expr(expr, symbols);
  if (!std::isfinite(v)) throw std::runtime_error("expression '" + expr + "' is not finite");
  return static_cast<int64_t>(std::llround(v));
}

}  // namespace foundry
