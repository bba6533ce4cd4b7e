// Helpers for tests that check what a call throws.
#pragma once
#include <stdexcept>
#include <string>

namespace foundry_test {

// The message `fn` throws as std::invalid_argument ("" when it does not).
template <class Fn>
std::string invalid_argument_of(Fn fn) {
  try {
    fn();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace foundry_test
