#include "core/types.hpp"

#include <stdexcept>

namespace foundry {

std::string to_string(KernelClass k) { return std::string(1, static_cast<char>('A' + static_cast<int>(k))); }

std::string class_description(KernelClass k) {
  switch (k) {
    case KernelClass::A: return "elementwise";
    case KernelClass::B: return "reduction";
    case KernelClass::C: return "fused pointwise";
    case KernelClass::D: return "gemm";
    case KernelClass::E: return "attention";
    case KernelClass::F: return "quantization";
    case KernelClass::G: return "data movement";
    case KernelClass::H: return "moe";
    case KernelClass::I: return "kv cache";
  }
  return "?";
}

std::string to_string(DType d) {
  switch (d) {
    case DType::f32: return "f32";
    case DType::f16: return "f16";
    case DType::bf16: return "bf16";
  }
  return "?";
}

std::optional<DType> parse_dtype(const std::string& s) {
  for (DType d : all_dtypes())
    if (to_string(d) == s) return d;
  return std::nullopt;
}

const std::vector<DType>& all_dtypes() {
  static const std::vector<DType> v{DType::f32, DType::f16, DType::bf16};
  return v;
}

std::string to_string(Elem e) {
  switch (e) {
    case Elem::f32: return "f32";
    case Elem::f16: return "f16";
    case Elem::bf16: return "bf16";
    case Elem::i32: return "i32";
    case Elem::i8: return "i8";
    case Elem::u8: return "u8";
  }
  return "?";
}

std::size_t elem_size(Elem e) {
  switch (e) {
    case Elem::f32: case Elem::i32: return 4;
    case Elem::f16: case Elem::bf16: return 2;
    case Elem::i8: case Elem::u8: return 1;
  }
  return 0;
}

bool elem_is_float(Elem e) { return e == Elem::f32 || e == Elem::f16 || e == Elem::bf16; }

Elem elem_of(DType d) {
  switch (d) {
    case DType::f32: return Elem::f32;
    case DType::f16: return Elem::f16;
    case DType::bf16: return Elem::bf16;
  }
  throw std::logic_error("bad dtype");
}

std::string to_string(Regime r) {
  switch (r) {
    case Regime::decode: return "decode";
    case Regime::prefill: return "prefill";
    case Regime::odd: return "odd";
  }
  return "?";
}

std::optional<Regime> parse_regime(const std::string& s) {
  for (Regime r : all_regimes())
    if (to_string(r) == s) return r;
  return std::nullopt;
}

const std::vector<Regime>& all_regimes() {
  static const std::vector<Regime> v{Regime::decode, Regime::prefill, Regime::odd};
  return v;
}

std::string to_string(Status s) {
  switch (s) {
    case Status::ok: return "ok";
    case Status::invalid_knobs: return "invalid_knobs";
    case Status::compile_error: return "compile_error";
    case Status::resource_limit: return "resource_limit";
    case Status::launch_error: return "launch_error";
    case Status::runtime_fault: return "runtime_fault";
    case Status::timeout: return "timeout";
    case Status::mismatch: return "mismatch";
    case Status::nonfinite: return "nonfinite";
    case Status::unwritten: return "unwritten";
    case Status::harness_error: return "harness_error";
    case Status::compiled: return "compiled";
  }
  return "?";
}

std::optional<Status> parse_status(const std::string& s) {
  for (Status st : all_statuses())
    if (to_string(st) == s) return st;
  return std::nullopt;
}

const std::vector<Status>& all_statuses() {
  static const std::vector<Status> v{Status::ok,          Status::invalid_knobs, Status::compile_error,
                                     Status::resource_limit, Status::launch_error, Status::runtime_fault,
                                     Status::timeout,     Status::mismatch,      Status::nonfinite,
                                     Status::unwritten,   Status::harness_error, Status::compiled};
  return v;
}

}  // namespace foundry
