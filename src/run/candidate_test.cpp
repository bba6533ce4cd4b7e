// A candidate's identity: what its content id hashes.
#include <gtest/gtest.h>

#include "run/candidate.hpp"

using namespace foundry;

TEST(CandidateId, HashesEveryShapeDimensionAndParam) {
  Candidate a;
  a.op = "rmsnorm";
  a.backend = "cpu";
  a.shape = {{"rows", 4}, {"cols", 8}};
  a.params = {{"eps", 1e-5}};
  a.template_id = "t";
  a.knobs = {{"VEC", 4}};
  a.source = "src";
  finalize_identity(a);
  Candidate b = a;
  finalize_identity(b);
  EXPECT_EQ(a.id, b.id);
  b.shape["cols"] = 9;
  finalize_identity(b);
  EXPECT_NE(a.id, b.id);
  Candidate c = a;
  c.params["eps"] = 1e-6;
  finalize_identity(c);
  EXPECT_NE(a.id, c.id);
  Candidate e = a;
  e.source = "src2";
  finalize_identity(e);
  EXPECT_NE(a.id, e.id);
}
