#include "run/progress.hpp"

#include <gtest/gtest.h>

using namespace foundry;

namespace {
Record ok_record(const std::string& op, double pct, std::vector<std::string> labels = {}) {
  Record r;
  r.op = op;
  r.status = Status::ok;
  r.bench.pct_of_copy = pct;
  r.labels = std::move(labels);
  return r;
}
}  // namespace

TEST(Progress, ASuspectVariantIsCountedButNeverTheBest) {
  Progress p(4, false);
  p.add(ok_record("rmsnorm", 71));
  p.add(ok_record("rmsnorm", 2231, {kSuspectLabel}));
  p.add(ok_record("softmax", 900, {kSuspectLabel}));
  Record bad;
  bad.op = "softmax";
  bad.status = Status::unwritten;
  p.add(bad);
  const std::string line = p.line();
  EXPECT_NE(line.find("ok=3 (2 suspect) unwritten=1"), std::string::npos) << line;
  EXPECT_NE(line.find("best %copy rmsnorm:71%"), std::string::npos) << line;
  EXPECT_EQ(line.find("2231"), std::string::npos) << line;
  EXPECT_EQ(line.find("softmax:"), std::string::npos) << line;
}
