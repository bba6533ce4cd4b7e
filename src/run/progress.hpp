// The run's progress display: a live line on a terminal, plain lines every
// 5 s otherwise. Thread-safe; fed one record at a time.
#pragma once
#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "run/record.hpp"

namespace foundry {

class Progress {
 public:
  Progress(int total, bool tty) : total_(total), tty_(tty) {}
  void add(const Record& r);
  // A word before the counts (the curriculum's stage).
  void set_note(std::string note);
  // The last line, ending the live one on a terminal.
  void finish();
  std::string line() const;  // callers hold no lock
  double seconds() const;

 private:
  void print(bool final);
  std::string line_locked() const;
  mutable std::mutex mu_;
  int total_ = 0, done_ = 0, ok_ = 0, suspect_ = 0;  // suspect_: ok records labelled suspect
  bool tty_ = false;
  std::string note_;
  std::map<std::string, int> failed_;
  std::map<std::string, double> best_pct_;  // op -> best pct_of_copy of ok records not suspect
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_print_{};
  int last_printed_done_ = -1;
};

}  // namespace foundry
