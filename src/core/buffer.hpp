// Host-side typed buffers. Values go in and out as double; storage follows the
// element type, with round-to-nearest-even for f16/bf16, so a reference reads
// exactly the values the kernel reads.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/types.hpp"

namespace foundry {

float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);
float bf16_to_f32(uint16_t h);
uint16_t f32_to_bf16(float f);
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

  double get(std::size_t i) const;
  // Stores v rounded to the element type (integers: rounded and saturated).
  void set(std::size_t i, double v);
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
