// The confirm pass's outcomes. After a run, the best trusted variants of each
// case are checked again: on inputs none of their tests used (fresh seeds),
// and with --sanitize under the backend's memory and race checkers. Each
// outcome is one line of the session's confirmations.ndjson; records read
// back from a session carry them as labels:
//   confirmed    every confirmation of the record passed
//   unconfirmed  it failed on fresh seeds (right only on the seeds it was checked with)
//   sanitizer    a memory or race checker reported it
//   nondeterministic  run again on the same inputs, it wrote other bits than
//                its first run (or failed): a race, or an accumulation order
//                that changes between runs
// An unconfirmed, sanitizer- or nondeterministic-labelled record is not
// trusted_ok: never best, never an exported answer.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/types.hpp"
#include "run/record.hpp"

namespace foundry {

// The checks' names, besides the sanitizer tools' ("memcheck", "racecheck").
inline constexpr char kFreshSeedsCheck[] = "fresh_seeds";
inline constexpr char kRepeatRunsCheck[] = "repeat_runs";

struct Confirmation {
  std::string id;     // the record's id
  std::string check;  // kFreshSeedsCheck, kRepeatRunsCheck, or a sanitizer tool: "memcheck", "racecheck"
  uint64_t seed = 0;  // base input seed of the check
  Status status = Status::ok;
  std::string error;
  std::string ts;
};

nlohmann::json to_json(const Confirmation& c);
// Throws std::runtime_error naming the missing or mistyped field.
Confirmation confirmation_from_json(const nlohmann::json& j);

// Base input seed of confirmation round `round` of a case: far from the
// case's own (tests use input_seed mixed with 0..n-1).
uint64_t confirm_seed(uint64_t input_seed, int round);

// Sets each record's confirmation labels from all of its confirmations
// (records without any are unchanged).
void apply_confirmations(std::vector<Record>& records, const std::vector<Confirmation>& confirmations);
void apply_confirmations(Record& record, const std::vector<const Confirmation*>& mine);

}  // namespace foundry
