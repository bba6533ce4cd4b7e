// The coordinator's confirm pass (run/confirmation.hpp): after the search, the
// best trusted variants of every case searched are checked again on inputs
// none of their tests used, and with --sanitize under the backend's memory and
// race checkers. A variant right only on the seeds it was checked with, or one
// a checker reports, is labelled and leaves "best".
#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/hash.hpp"
#include "ops/registry.hpp"
#include "run/coordinator.hpp"

namespace foundry {

namespace fs = std::filesystem;

CaseHint Coordinator::confirm_case_after(const std::string& after) const {
  CaseHint best;
  if (!hints() || cfg_.confirm_top <= 0) return best;
  std::set<std::string> searched;
  for (const auto& s : ops_)
    if (unlocked(*s.op))
      for (const auto& cs : s.cases) searched.insert(s.op->name + "\n" + cs->scheduled().spec.key);
  std::string best_key;
  for (const Record& r : session_->records()) {
    if (!r.trusted_ok() || !r.bench.latency_us || r.strategy.name == "injected") continue;
    const std::string key = r.op + "\n" + r.case_key();
    if (key <= after || (!best_key.empty() && key >= best_key) || !searched.count(key)) continue;
    best = fresh_case(r);
    best_key = key;
  }
  return best;
}

Confirmation Coordinator::confirm_one(const Record& r, const std::string& check, uint64_t seed, const CaseHint& next) {
  Confirmation c;
  c.id = r.id;
  c.check = check;
  c.seed = seed;
  auto fail = [&](Status s, std::string why) {
    c.status = s;
    c.error = std::move(why);
    c.ts = now_iso();
    return c;
  };
  // The exact source recorded, built again (a compile-cache hit).
  std::ifstream in(session_->dir() / r.source_path, std::ios::binary);
  const std::string source((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (source.empty() || sha256_hex(source) != r.source_sha256)
    return fail(Status::harness_error, fmt::format("{}: missing or not the recorded source", r.source_path));
  auto t = std::find_if(templates_.begin(), templates_.end(),
                        [&](const KernelTemplate& k) { return k.id == r.template_id && k.backend == r.backend; });
  if (t == templates_.end() || !r.launch) return fail(Status::harness_error, "template " + r.template_id + " is gone");
  const BuildResult b = svc_.backend->compile(source, template_flags(*t, r.knobs));
  if (!b.ok) return fail(b.status, "compiling again: " + b.log.substr(0, 400));

  EvalRequest req = eval_request(r.op, r.dtype, r.shape, r.params, seed, b, *r.launch);
  req.check_only = true;
  req.next = next;
  if (check == kRepeatRunsCheck) req.repeats = cfg_.confirm_repeats;
  if (check == kFreshSeedsCheck || check == kRepeatRunsCheck) {
    const EvalResult er = channels_.front()->evaluate(req, cfg_.limits);
    c.status = er.status;
    c.error = er.error;
  } else {
    const SanitizerOutcome o = svc_.sanitize(check, req, cfg_.limits);
    // A report makes it a sanitizer finding even where the outputs matched.
    c.status = o.errors > 0 ? Status::runtime_fault : o.errors < 0 && o.status == Status::ok ? Status::harness_error : o.status;
    c.error = o.errors > 0 ? fmt::format("{} reported {} error(s): {}", check, o.errors, o.report) : o.report;
  }
  c.ts = now_iso();
  return c;
}

void Coordinator::confirm() {
  if (cfg_.compile_only || stop_ || channels_.empty()) return;
  std::vector<std::string> checks;
  if (cfg_.confirm_top > 0) checks.emplace_back(kFreshSeedsCheck);
  // On the fresh seeds' inputs, which the worker still holds: only the runs cost.
  if (cfg_.confirm_top > 0 && cfg_.confirm_repeats > 1) checks.emplace_back(kRepeatRunsCheck);
  if (cfg_.sanitize)
    for (const auto& tool : svc_.backend->sanitizer_tools()) checks.push_back(tool);
  if (checks.empty()) return;
  const int top = std::max(1, cfg_.confirm_top);
  const auto t0 = std::chrono::steady_clock::now();

  std::set<std::string> searched;
  for (const auto& s : ops_)
    if (unlocked(*s.op))
      for (const auto& cs : s.cases) searched.insert(s.op->name + "\n" + cs->scheduled().spec.key);
  std::map<std::string, std::vector<Record>> by_case;
  for (Record& r : session_->records())
    if (r.trusted_ok() && r.bench.latency_us && r.strategy.name != "injected" &&
        searched.count(r.op + "\n" + r.case_key()))
      by_case[r.op + "\n" + r.case_key()].push_back(std::move(r));

  for (auto it = by_case.begin(); it != by_case.end(); ++it) {
    auto& recs = it->second;
    // The worker builds the next case's fresh inputs while this one is checked.
    CaseHint next;
    if (auto n = std::next(it); n != by_case.end() && hints()) next = fresh_case(n->second.front());
    std::sort(recs.begin(), recs.end(), [](const Record& a, const Record& b) { return a.cost() < b.cost(); });
    // The best `top`; a variant that fails is replaced by the next, so a case
    // ends with its best confirmed variant where it has one.
    int kept = 0;
    for (const Record& r : recs) {
      if (kept >= top || stop_) break;
      bool failed = false;
      for (const auto& check : checks) {
        if (session_->has_confirmation(r.id, check)) continue;
        const bool fresh = check == kFreshSeedsCheck || check == kRepeatRunsCheck;
        const Confirmation c = confirm_one(r, check, fresh ? fresh_case(r).seed : r.input_seed, next);
        session_->append_confirmation(c);
        ++summary_.confirm_checks;
        failed |= c.status != Status::ok;
      }
      const auto now = session_->find(r.id);
      if (!now) continue;
      summary_.confirmed += now->has_label(kConfirmedLabel);
      summary_.unconfirmed += now->has_label(kUnconfirmedLabel);
      summary_.sanitizer += now->has_label(kSanitizerLabel);
      summary_.nondeterministic += now->has_label(kNondeterministicLabel);
      if (!failed && now->trusted_ok()) ++kept;
    }
  }
  summary_.confirm_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace foundry
