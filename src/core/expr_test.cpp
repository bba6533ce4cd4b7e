#include "core/expr.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace foundry {
namespace {

TEST(Expressions, FunctionsAndOperatorsOverSymbols) {
  const Symbols s{{"rows", 7}, {"cols", 4096}, {"THREADS", 256}};
  EXPECT_EQ(eval_int("cdiv(cols, THREADS)", s), 16);
  EXPECT_EQ(eval_int("cols % 3", s), 1);
  EXPECT_EQ(eval_int("max(rows, 8) + min(rows, 8) + floor(7 / 2) + ceil(7 / 2)", s), 22);
  EXPECT_EQ(eval_int("is_pow2(THREADS) + is_pow2(rows)", s), 1);
  EXPECT_THROW(eval_int("rows + tokens", s), std::runtime_error);
  EXPECT_THROW(eval_int("cdiv(rows", s), std::runtime_error);
}

// Under UBSan: is_pow2 cast its argument to int64 whatever its size, which
// is undefined beyond int64's range (UBSan: 1e+300 is outside the range of
// representable values of type 'long').
TEST(Expressions, IsPow2TakesAnyValue) {
  const CompiledExpr e("is_pow2(rows)", {"rows"});
  EXPECT_EQ(e.eval({1e300}), 0.0);
  EXPECT_EQ(e.eval({-1e300}), 0.0);
  EXPECT_EQ(e.eval({0x1p100}), 1.0);
  EXPECT_EQ(e.eval({0.5}), 0.0);
  EXPECT_EQ(e.eval({1}), 1.0);
  EXPECT_EQ(e.eval({4096}), 1.0);
  EXPECT_EQ(e.eval({4095}), 0.0);
  EXPECT_EQ(e.eval({0}), 0.0);
}

// A value an int64 cannot hold is an error, not whatever llround returns.
TEST(Expressions, AnIntegerBeyondInt64IsAnError) {
  EXPECT_THROW(eval_int("1e19", {}), std::runtime_error);
  EXPECT_THROW(eval_int("-1e300", {}), std::runtime_error);
  EXPECT_THROW(eval_int("1 / 0", {}), std::runtime_error);
  EXPECT_EQ(eval_int("2^62", {}), int64_t{1} << 62);
}

}  // namespace
}  // namespace foundry
