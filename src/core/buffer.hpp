// Host-side typed buffers. Values go in and out as double; storage follows the
// element type, with round-to-nearest-even for f16/bf16, so a reference reads
// exactly the values the kernel reads.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/types.hpp"

namespace foundry {

// Inline, like get and set below: input generation and the float64
// references convert every element of buffers that reach gigabytes.
inline float f16_to_f32(uint16_t h) {
  _Float16 v;
  std::memcpy(&v, &h, 2);
  return static_cast<float>(v);
}

inline uint16_t f32_to_f16(float f) {
  _Float16 v = static_cast<_Float16>(f);  // IEEE round-to-nearest-even
  uint16_t h;
  std::memcpy(&h, &v, 2);
  return h;
}

inline float bf16_to_f32(uint16_t h) {
  uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

inline uint16_t f32_to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40);  // quiet NaN
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

// v rounded to the nearest integer of type I, clamped to its range (NaN: 0).
template <typename I>
I saturate(double v) {
  if (std::isnan(v)) return 0;
  double r = std::nearbyint(v);
  if (r < static_cast<double>(std::numeric_limits<I>::min())) return std::numeric_limits<I>::min();
  if (r > static_cast<double>(std::numeric_limits<I>::max())) return std::numeric_limits<I>::max();
  return static_cast<I>(r);
}
// Round a double to what a value of element type `e` can hold (as double).
double round_to(Elem e, double v);

class HostBuffer {
 public:
  HostBuffer() = default;
  HostBuffer(std::string name, Elem elem, std::vector<int64_t> dims);

  const std::string& name() const { return name_; }
  Elem elem() const { return elem_; }
  const std::vector<int64_t>& dims() const { return dims_; }
  std::size_t numel() const { return numel_; }
  std::size_t bytes() const { return numel_ * elem_size(elem_); }
  void* data() { return data_.get(); }
  const void* data() const { return data_.get(); }

  double get(std::size_t i) const {
    const auto* p = static_cast<const unsigned char*>(data_.get());
    switch (elem_) {
      case Elem::f32: { float v; std::memcpy(&v, p + 4 * i, 4); return v; }
      case Elem::f16: { uint16_t h; std::memcpy(&h, p + 2 * i, 2); return f16_to_f32(h); }
      case Elem::bf16: { uint16_t h; std::memcpy(&h, p + 2 * i, 2); return bf16_to_f32(h); }
      case Elem::i32: { int32_t v; std::memcpy(&v, p + 4 * i, 4); return v; }
      case Elem::i8: return static_cast<int8_t>(p[i]);
      case Elem::u8: return p[i];
    }
    return 0;
  }
  // Stores v rounded to the element type (integers: rounded and saturated).
  void set(std::size_t i, double v) {
    auto* p = static_cast<unsigned char*>(data_.get());
    switch (elem_) {
      case Elem::f32: { float f = static_cast<float>(v); std::memcpy(p + 4 * i, &f, 4); return; }
      case Elem::f16: { uint16_t h = f32_to_f16(static_cast<float>(v)); std::memcpy(p + 2 * i, &h, 2); return; }
      case Elem::bf16: { uint16_t h = f32_to_bf16(static_cast<float>(v)); std::memcpy(p + 2 * i, &h, 2); return; }
      case Elem::i32: { int32_t x = saturate<int32_t>(v); std::memcpy(p + 4 * i, &x, 4); return; }
      case Elem::i8: { int8_t x = saturate<int8_t>(v); std::memcpy(p + i, &x, 1); return; }
      case Elem::u8: p[i] = saturate<uint8_t>(v); return;
    }
  }
  // Raw bit pattern of element i (zero-extended), for poison detection.
  uint32_t bits(std::size_t i) const;
  void set_bits(std::size_t i, uint32_t b);
  void fill_bits(uint32_t b);
  // Every element as double, in one typed pass.
  void to_doubles(std::vector<double>& out) const;
  // The bytes between the last element and the guard page that follows the
  // buffer still hold their canary: nothing wrote past the end.
  bool slack_intact() const;
  // Writes the canary again (a run that wrote past the end spoilt it).
  void reset_slack();

 private:
  std::string name_;
  Elem elem_ = Elem::f32;
  std::vector<int64_t> dims_;
  std::size_t numel_ = 0;
  // Every buffer is an anonymous mapping ending in a guard page (buffer.cpp).
  struct Free {
    Free() : base(nullptr), mapped(0) {}
    Free(void* b, std::size_t bytes) : base(b), mapped(bytes) {}
    void operator()(void* p) const;
    void* base;  // start of the mapping
    std::size_t mapped;
  };
  std::unique_ptr<void, Free> data_;
  std::size_t slack_ = 0;  // bytes between the last element and the guard page
  static constexpr unsigned char kSlackCanary = 0xc5;
};

// Poison written into outputs before every run: a NaN with a payload no
// arithmetic produces, or a byte pattern for integers.
uint32_t poison_bits(Elem e);

}  // namespace foundry
