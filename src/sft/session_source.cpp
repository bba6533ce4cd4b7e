#include "sft/session_source.hpp"

#include <algorithm>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/hash.hpp"
#include "ops/registry.hpp"
#include "run/session.hpp"
#include "sft/dedup.hpp"
#include "sft/prompt.hpp"

namespace foundry::sft {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kReportChars = 4000;

bool is_attempts_log(const std::string& name) { return name == "attempts.ndjson"; }

// Failures a kernel author can learn to fix from their report.
bool repairable(Status s) {
  switch (s) {
    case Status::compile_error:
    case Status::resource_limit:
    case Status::launch_error:
    case Status::runtime_fault:
    case Status::timeout:
    case Status::mismatch:
    case Status::nonfinite:
    case Status::unwritten: return true;
    default: return false;
  }
}

// A compiler log as the author sees it: the compiled file named kernel.<ext>
// and its line numbers counted from the first line of the body.
std::string author_log(const std::string& log, const std::string& unit) {
  const auto marker = unit.find("// ---- template ----\n");
  const long offset = marker == std::string::npos ? 0 : static_cast<long>(std::count(unit.begin(), unit.begin() + marker, '\n')) + 1;
  static const std::regex location(R"(([^\s:'"]+)\.(cpp|cu|cuh|h):(\d+))");
  std::string out;
  auto it = std::sregex_iterator(log.begin(), log.end(), location);
  std::size_t last = 0;
  for (; it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    out += log.substr(last, m.position() - last);
    const long line = std::stol(m[3].str()) - offset;
    out += fmt::format("kernel.{}:{}", m[2].str(), line > 0 ? line : std::stol(m[3].str()));
    last = m.position() + m.length();
  }
  return out + log.substr(last);
}

std::string failure_report(const Record& r, const std::string& unit) {
  std::ostringstream s;
  if (r.error) s << *r.error << "\n";
  if (r.build.log && !r.build.log->empty()) s << author_log(*r.build.log, unit) << "\n";
  const auto& c = r.correctness;
  if (c.detail) s << *c.detail << "\n";
  if (c.mismatches && *c.mismatches > 0)
    s << fmt::format("{} elements out of tolerance; max abs err {}, max rel err {}\n", *c.mismatches,
                     c.max_abs_err.value_or(0), c.max_rel_err.value_or(0));
  std::string out = s.str();
  if (out.size() > kReportChars) out = out.substr(0, kReportChars) + "\n[truncated]";
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

int knob_distance(const Knobs& a, const Knobs& b) {
  int d = 0;
  for (const auto& [k, v] : a) {
    const auto it = b.find(k);
    d += it == b.end() || it->second != v;
  }
  return d;
}

class SessionReader {
 public:
  SessionReader(const fs::path& root, const fs::path& dir, const std::vector<KernelTemplate>& templates,
                SourceResult& out)
      : root_(root), dir_(dir), templates_(templates), out_(out), records_(read_session_records(dir)) {}

  void read(bool include_repairs) {
    out_.inputs.push_back(dir_.string());
    std::map<std::string, std::size_t> fastest;  // case -> record of the lowest cost
    for (std::size_t i = 0; i < records_.size(); ++i) {
      const Record& r = records_[i];
      if (!r.trusted_ok()) continue;
      correct_[r.case_key() + "\n" + r.template_id].push_back(i);
      const auto it = fastest.find(r.case_key());
      if (r.cost() < std::numeric_limits<double>::infinity() && (it == fastest.end() || r.cost() < records_[it->second].cost()))
        fastest[r.case_key()] = i;
    }
    for (const auto& [key, i] : fastest) fastest_.insert(i);
    for (std::size_t i = 0; i < records_.size(); ++i) {
      const Record& r = records_[i];
      if (r.trusted_ok())
        add_variant(i);
      else if (r.status == Status::ok)
        ++out_.skipped["untrusted_label"];
      else if (include_repairs && repairable(r.status))
        add_repair(i);
      else
        ++out_.skipped["not_correct"];
    }
  }

 private:
  // The rendered body of a record's kernel; nullopt (counted) when the file is
  // missing or its SHA-256 is not the record's.
  std::optional<std::string> body(const Record& r, std::string* unit = nullptr) {
    std::ifstream in(path_in_session(dir_, r.source_path), std::ios::binary);  // never a file outside the session
    if (!in) {
      ++out_.skipped["source_missing"];
      return std::nullopt;
    }
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (sha256_hex(text) != r.source_sha256) {
      ++out_.skipped["source_sha256"];
      return std::nullopt;
    }
    if (unit) *unit = text;
    return kernel_body(text);
  }

  // The task of a record; false (counted) when its op or backend is unknown here.
  bool task_of(const Record& r, KernelTask& t) {
    const OpContract* op = Registry::instance().find(r.op);
    if (!op) {
      ++out_.skipped["unknown_op"];
      return false;
    }
    try {
      t = make_task(*op, backend_row(r.backend), r.dtype, r.shape, r.params, r.template_id, r.knobs, templates_);
    } catch (const std::invalid_argument&) {
      ++out_.skipped["unknown_backend"];
      return false;
    }
    t.launch = r.launch;
    return true;
  }

  nlohmann::json meta(const Record& r) const {
    return {{"session", fs::relative(dir_, root_).string()}, {"record_id", r.id}, {"template_id", r.template_id},
            {"backend", r.backend}, {"dtype", to_string(r.dtype)}, {"case", r.case_key()}, {"knobs", r.knobs}};
  }

  void add_variant(std::size_t i) {
    const Record& r = records_[i];
    KernelTask t;
    if (!task_of(r, t)) return;
    const auto src = body(r);
    if (!src) return;
    t.fastest = fastest_.count(i) > 0;
    Example e{"session", r.op, r.op + "/" + r.template_id, system_prompt(), variant_prompt(t), *src, meta(r)};
    e.meta["p50_us"] = r.bench.latency_us ? nlohmann::json(r.bench.latency_us->p50) : nlohmann::json(nullptr);
    e.meta["fastest_in_case"] = t.fastest;
    out_.examples.push_back(std::move(e));
  }

  void add_repair(std::size_t i) {
    const Record& bad = records_[i];
    const auto it = correct_.find(bad.case_key() + "\n" + bad.template_id);
    if (it == correct_.end()) {
      ++out_.skipped["repair_without_fix"];
      return;
    }
    // The fix: the trusted variant of the template and case with the fewest
    // knobs changed, then the fastest, then the first logged.
    std::vector<std::size_t> fixes = it->second;
    std::stable_sort(fixes.begin(), fixes.end(), [&](std::size_t a, std::size_t b) {
      const int da = knob_distance(bad.knobs, records_[a].knobs), db = knob_distance(bad.knobs, records_[b].knobs);
      return da != db ? da < db : records_[a].cost() < records_[b].cost();
    });
    const Record& good = records_[fixes.front()];
    KernelTask t;
    if (!task_of(good, t)) return;
    std::string bad_unit;
    const auto bad_src = body(bad, &bad_unit);
    if (!bad_src) return;
    const auto good_src = body(good);
    if (!good_src) return;
    if (normalise_code(*bad_src) == normalise_code(*good_src)) {
      ++out_.skipped["repair_same_body"];  // the fault is outside what an author writes (e.g. the entry point)
      return;
    }
    Example e{"repair", bad.op, bad.op + "/" + bad.template_id, system_prompt(),
              repair_prompt(t, bad.knobs, *bad_src, to_string(bad.status), failure_report(bad, bad_unit)), *good_src, meta(good)};
    e.meta["failed_record_id"] = bad.id;
    e.meta["failed_status"] = to_string(bad.status);
    out_.examples.push_back(std::move(e));
  }

  const fs::path& root_;
  fs::path dir_;
  const std::vector<KernelTemplate>& templates_;
  SourceResult& out_;
  std::vector<Record> records_;
  std::map<std::string, std::vector<std::size_t>> correct_;  // case + template -> trusted records
  std::set<std::size_t> fastest_;
};

}  // namespace

SourceResult read_sessions(const fs::path& root, const std::vector<KernelTemplate>& templates, bool include_repairs) {
  SourceResult out;
  for (const auto& log : find_files_under(root, "--sessions-root", is_attempts_log))
    SessionReader(root, log.parent_path(), templates, out).read(include_repairs);
  return out;
}

}  // namespace foundry::sft
