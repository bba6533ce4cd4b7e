// A candidate: one concrete variant to try. A plain value; its id hashes the
// canonical JSON of everything that defines it.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/types.hpp"

namespace foundry {

struct Candidate {
  std::string op;
  std::string backend;
  DType dtype = DType::f32;
  Regime regime = Regime::decode;
  Shape shape;
  Params params;
  std::string template_id;
  Knobs knobs;
  uint64_t input_seed = 0;  // candidates of one case share it, and so their inputs
  std::string source;       // the complete translation unit
  std::string source_sha256;
  std::string id;           // sha256 of canonical_json()
};

// Sorted keys, every shape symbol and param included; source by its hash.
nlohmann::json canonical_json(const Candidate& c);
// Fills source_sha256 and id from the other fields.
void finalize_identity(Candidate& c);
// Candidates with equal keys share inputs and reference.
std::string case_key(const Candidate& c);

}  // namespace foundry
