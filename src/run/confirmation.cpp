#include "run/confirmation.hpp"

#include <map>
#include <stdexcept>

#include "core/hash.hpp"
#include "core/json_get.hpp"

namespace foundry {

using nlohmann::json;

json to_json(const Confirmation& c) {
  return json{{"id", c.id},       {"check", c.check}, {"seed", c.seed},
              {"status", to_string(c.status)}, {"error", c.error}, {"ts", c.ts}};
}

Confirmation confirmation_from_json(const json& j) {
  Confirmation c;
  try {
    c.id = j.at("id").get<std::string>();
    c.check = j.at("check").get<std::string>();
    c.seed = json_get<uint64_t>(j.at("seed"));  // an integer of uint64 range, never a cast float
    const auto st = parse_status(j.at("status").get<std::string>());
    if (!st) throw std::runtime_error("unknown status " + j.at("status").dump());
    c.status = *st;
    c.error = j.value("error", "");
    c.ts = j.value("ts", "");
  } catch (const json::exception& e) {
    throw std::runtime_error(std::string("not a confirmation: ") + e.what());
  }
  return c;
}

uint64_t confirm_seed(uint64_t input_seed, int round) {
  return std::stoull(sha256_hex("confirm/" + std::to_string(input_seed) + "/" + std::to_string(round)).substr(0, 15), nullptr, 16);
}

void apply_confirmations(Record& r, const std::vector<const Confirmation*>& mine) {
  if (mine.empty()) return;
  std::erase_if(r.labels, [](const std::string& l) {
    return l == kConfirmedLabel || l == kUnconfirmedLabel || l == kSanitizerLabel || l == kNondeterministicLabel;
  });
  bool fresh_failed = false, sanitizer_failed = false, repeat_failed = false;
  for (const Confirmation* c : mine) {
    if (c->status == Status::ok) continue;
    (c->check == kFreshSeedsCheck ? fresh_failed : c->check == kRepeatRunsCheck ? repeat_failed : sanitizer_failed) = true;
  }
  auto add = [&](const char* label) {
    if (!r.has_label(label)) r.labels.emplace_back(label);
  };
  if (fresh_failed) add(kUnconfirmedLabel);
  if (sanitizer_failed) add(kSanitizerLabel);
  if (repeat_failed) add(kNondeterministicLabel);
  if (!fresh_failed && !sanitizer_failed && !repeat_failed) add(kConfirmedLabel);
}

void apply_confirmations(std::vector<Record>& records, const std::vector<Confirmation>& confirmations) {
  std::map<std::string, std::vector<const Confirmation*>> by_id;
  for (const auto& c : confirmations) by_id[c.id].push_back(&c);
  for (auto& r : records)
    if (auto it = by_id.find(r.id); it != by_id.end()) apply_confirmations(r, it->second);
}

}  // namespace foundry
