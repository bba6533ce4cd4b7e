#include "run/progress.hpp"

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

namespace foundry {

double Progress::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::add(const Record& r) {
  std::lock_guard lk(mu_);
  ++done_;
  if (r.status == Status::ok) {
    ++ok_;
    // A suspect latency is not believed: it never stands as an op's best.
    if (r.has_label(kSuspectLabel))
      ++suspect_;
    else if (r.bench.pct_of_copy)
      best_pct_[r.op] = std::max(best_pct_[r.op], *r.bench.pct_of_copy);
  } else {
    ++failed_[to_string(r.status)];
  }
  print(false);
}

void Progress::set_note(std::string note) {
  std::lock_guard lk(mu_);
  note_ = std::move(note);
}

void Progress::finish() {
  std::lock_guard lk(mu_);
  if (done_ > 0 || tty_) print(true);
}

std::string Progress::line() const {
  std::lock_guard lk(mu_);
  return line_locked();
}

std::string Progress::line_locked() const {
  const double secs = seconds();
  std::string fails;
  for (const auto& [k, v] : failed_) fails += fmt::format(" {}={}", k, v);
  std::string best;
  for (const auto& [op, pct] : best_pct_) best += fmt::format(" {}:{:.0f}%", op, pct);
  const std::string suspect = suspect_ ? fmt::format(" ({} suspect)", suspect_) : "";
  return fmt::format("{}[{}/{}] ok={}{}{} | {:.2f}/s | best %copy{}", note_.empty() ? "" : note_ + " ", done_, total_,
                     ok_, suspect, fails, secs > 0 ? done_ / secs : 0.0, best.empty() ? " -" : best);
}

void Progress::print(bool final) {
  const auto now = std::chrono::steady_clock::now();
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s%s", line_locked().c_str(), final ? "\n" : "");
  } else if ((final && last_printed_done_ != done_) || now - last_print_ > std::chrono::seconds(5)) {
    std::fprintf(stderr, "%s\n", line_locked().c_str());
    last_print_ = now;
    last_printed_done_ = done_;
  }
  std::fflush(stderr);
}

}  // namespace foundry
