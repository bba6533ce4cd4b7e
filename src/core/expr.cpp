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
double fn_pow2(double v) {  // is v an integer power of two (any magnitude: never cast out of range)
  int exponent = 0;
  return v >= 1 && std::isfinite(v) && std::frexp(v, &exponent) == 0.5 ? 1.0 : 0.0;
}
void define_functions(mu::Parser& p) {
  p.DefineFun("ceil", fn_ceil);
  p.DefineFun("floor", fn_floor);
  p.DefineFun("cdiv", fn_cdiv);
  p.DefineFun("is_pow2", fn_pow2);
  p.DefineOprt("%", op_mod, mu::prMUL_DIV);
}
}  // namespace

double eval_expr(const std::string& expr, const Symbols& symbols) {
  try {
    mu::Parser p;
    define_functions(p);
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
  if (std::fabs(v) >= 9.2e18) throw std::runtime_error("expression '" + expr + "' is beyond the integers' range");
  return static_cast<int64_t>(std::llround(v));
}

std::vector<std::string> expr_symbols(const std::string& expr) {
  static double slot = 0;  // every symbol reads here: only the syntax matters
  try {
    mu::Parser p;
    define_functions(p);
    p.SetVarFactory([](const char*, void*) { return &slot; }, nullptr);
    p.SetExpr(expr);
    std::vector<std::string> names;
    for (const auto& [name, where] : p.GetUsedVar()) names.push_back(name);
    return names;
  } catch (mu::Parser::exception_type& e) {
    throw std::runtime_error("expression '" + expr + "': " + e.GetMsg());
  }
}

struct CompiledExpr::Impl {
  std::string expr;
  mu::Parser parser;
  std::unique_ptr<double[]> values;  // where the parser reads each symbol
  std::size_t n = 0;
};

CompiledExpr::CompiledExpr(const std::string& expr, const std::vector<std::string>& names) : impl_(std::make_unique<Impl>()) {
  impl_->expr = expr;
  impl_->n = names.size();
  impl_->values = std::make_unique<double[]>(names.size());
  try {
    define_functions(impl_->parser);
    for (std::size_t i = 0; i < names.size(); ++i) impl_->parser.DefineVar(names[i], &impl_->values[i]);
    impl_->parser.SetExpr(expr);
  } catch (mu::Parser::exception_type& e) {
    throw std::runtime_error("expression '" + expr + "': " + e.GetMsg());
  }
}

CompiledExpr::~CompiledExpr() = default;
CompiledExpr::CompiledExpr(CompiledExpr&&) noexcept = default;
CompiledExpr& CompiledExpr::operator=(CompiledExpr&&) noexcept = default;

double CompiledExpr::eval(const std::vector<double>& values) const {
  for (std::size_t i = 0; i < impl_->n && i < values.size(); ++i) impl_->values[i] = values[i];
  try {
    return impl_->parser.Eval();
  } catch (mu::Parser::exception_type& e) {
    throw std::runtime_error("expression '" + impl_->expr + "': " + e.GetMsg());
  }
}

}  // namespace foundry
