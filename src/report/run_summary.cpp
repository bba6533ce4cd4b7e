#include "report/run_summary.hpp"

#include <map>
#include <utility>

#include <fmt/format.h>

namespace foundry::report {

namespace {

// Shell-quoted when it needs it.
std::string shell_word(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./+=:,") == std::string::npos)
    return s;
  std::string o = "'";
  for (char c : s) o += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return o + "'";
}

}  // namespace

std::string run_summary_text(const Analysis& a, const std::filesystem::path& session) {
  struct OpRegime {
    std::size_t cases = 0, with_best = 0;
    const CaseSummary* top = nullptr;
  };
  std::map<std::pair<std::string, std::string>, OpRegime> rows;  // (op, regime)
  for (const auto& c : a.cases) {
    OpRegime& row = rows[{c.op, to_string(c.regime)}];
    ++row.cases;
    if (!c.best) continue;
    ++row.with_best;
    const double pct = c.best->bench.pct_of_copy.value_or(-1);
    if (!row.top || pct > row.top->best->bench.pct_of_copy.value_or(-1)) row.top = &c;
  }
  std::string s = fmt::format("best trusted variant per op and regime ({} records, {} cases):\n", a.sessions.records.size(),
                              a.cases.size());
  std::size_t op_w = 2, tmpl_w = 1;
  for (const auto& [key, row] : rows) {
    op_w = std::max(op_w, key.first.size());
    if (row.top) tmpl_w = std::max(tmpl_w, row.top->best->template_id.size());
  }
  for (const auto& [key, row] : rows) {
    if (!row.top) {
      s += fmt::format("  {:<{}} {:<7} {:<{}}  no trusted variant in {} case(s)\n", key.first, op_w, key.second, "-", tmpl_w,
                       row.cases);
      continue;
    }
    const Record& b = *row.top->best;
    const std::string pct = b.bench.pct_of_copy ? fmt::format("{:5.1f}% of copy", *b.bench.pct_of_copy) : "  - % of copy";
    s += fmt::format("  {:<{}} {:<7} {:<{}} {:>9.2f} us  {}  ({} {}; {} of {} cases have one)\n", key.first, op_w,
                     key.second, b.template_id, tmpl_w, b.bench.latency_us->p50, pct, to_string(row.top->dtype),
                     shape_text(row.top->shape, row.top->params), row.with_best, row.cases);
  }
  std::map<std::string, int> failures;
  int labelled = 0;
  for (const Record& r : a.sessions.records) {
    if (r.status != Status::ok && r.status != Status::compiled) ++failures[to_string(r.status)];
    if (r.status == Status::ok && !r.trusted_ok()) ++labelled;
  }
  std::string f;
  for (const auto& [st, n] : failures) f += fmt::format("{}{}={}", f.empty() ? "" : " ", st, n);
  s += fmt::format("failures by status: {}\n", f.empty() ? "none" : f);
  if (labelled) s += fmt::format("ok but not trusted (suspect or sanitizer label): {}\n", labelled);
  s += fmt::format("next: foundry report {}\n", shell_word(session.string()));
  return s;
}

}  // namespace foundry::report
