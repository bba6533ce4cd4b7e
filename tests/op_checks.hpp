// Checks every op contract test repeats: generator determinism and sane shapes.
#pragma once
#include <gtest/gtest.h>

#include "ops/op_contract.hpp"

namespace foundry::op_checks {

// Same seed: bit-identical inputs; another seed: different inputs.
inline void expect_deterministic(const OpContract& op, Case c) {
  auto a = op.allocate(c), b = op.allocate(c);
  op.generate(c, a);
  op.generate(c, b);
  c.seed += 1;
  auto d = op.allocate(c);
  op.generate(c, d);
  for (std::size_t i = 0; i < op.buffers.size(); ++i) {
    if (op.buffers[i].role == Role::out) continue;
    std::size_t same_as_other_seed = 0;
    for (std::size_t j = 0; j < a[i].numel(); ++j) {
      ASSERT_EQ(a[i].bits(j), b[i].bits(j)) << op.buffers[i].name << "[" << j << "]";
      same_as_other_seed += a[i].bits(j) == d[i].bits(j);
    }
    EXPECT_LT(same_as_other_seed, a[i].numel()) << op.buffers[i].name << " ignores the seed";
  }
}

// Every shape sets every size symbol and keeps the f32 working set CPU-sized.
inline void expect_shapes_fit(const OpContract& op, double max_bytes = 256e6) {
  for (Regime r : all_regimes()) {
    ASSERT_FALSE(op.shapes(r).empty()) << to_string(r);
    for (const auto& s : op.shapes(r)) {
      for (const auto& sym : op.size_symbols) ASSERT_TRUE(s.count(sym)) << to_string(r) << " lacks " << sym;
      Case c{op.name, DType::f32, s, {}, 1, 0};
      double bytes = 0;
      for (const auto& b : op.buffers) bytes += op.buffer_bytes(b, c);
      EXPECT_LE(bytes, max_bytes) << to_string(r);
    }
  }
}

}  // namespace foundry::op_checks
