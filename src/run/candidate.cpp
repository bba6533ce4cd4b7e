#include "run/candidate.hpp"

#include "core/hash.hpp"
#include "run/case_schedule.hpp"

namespace foundry {

nlohmann::json canonical_json(const Candidate& c) {
  return {{"op", c.op},           {"backend", c.backend},   {"dtype", to_string(c.dtype)},
          {"shape", c.shape},     {"params", c.params},     {"template_id", c.template_id},
          {"knobs", c.knobs},     {"source_sha256", c.source_sha256}};
}

void finalize_identity(Candidate& c) {
  c.source_sha256 = sha256_hex(c.source);
  c.id = sha256_hex(canonical_json(c).dump());
}

std::string case_key(const Candidate& c) { return case_key(c.op, c.dtype, c.shape, c.params, c.input_seed); }

}  // namespace foundry
