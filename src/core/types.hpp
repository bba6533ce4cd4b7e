// Plain value types shared by every layer: kernel classes, dtypes, element
// types, shape regimes and the status taxonomy.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace foundry {

enum class KernelClass { A, B, C, D, E, F, G, H, I };
std::string to_string(KernelClass k);       // "A"
std::string class_description(KernelClass k);  // "elementwise", ...

// The candidate's floating dtype.
enum class DType { f32, f16, bf16 };
std::string to_string(DType d);
std::optional<DType> parse_dtype(const std::string& s);
const std::vector<DType>& all_dtypes();

// Storage type of one buffer element. `dtype` buffers take the candidate dtype.
enum class Elem { f32, f16, bf16, i32, i8, u8 };
std::string to_string(Elem e);
std::size_t elem_size(Elem e);
bool elem_is_float(Elem e);
Elem elem_of(DType d);

enum class Regime { decode, prefill, odd };
std::string to_string(Regime r);
std::optional<Regime> parse_regime(const std::string& s);
const std::vector<Regime>& all_regimes();

enum class Status {
  ok,
  invalid_knobs,
  compile_error,
  resource_limit,
  launch_error,
  runtime_fault,
  timeout,
  mismatch,
  nonfinite,
  unwritten,
  harness_error,
  compiled,  // compile-only runs: built and within the device's limits, never executed
};
std::string to_string(Status s);
std::optional<Status> parse_status(const std::string& s);
const std::vector<Status>& all_statuses();

// Shape symbols (rows, cols, experts, ...) to sizes; ordered for canonical JSON.
using Shape = std::map<std::string, int64_t>;
// Scalar parameters (eps, theta, p, seed, ...) to values.
using Params = std::map<std::string, double>;
// Knob name to value; knobs are integers (booleans are 0/1).
using Knobs = std::map<std::string, int64_t>;

}  // namespace foundry
