#include "core/buffer.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace foundry {

float f16_to_f32(uint16_t h) {
  _Float16 v;
  std::memcpy(&v, &h, 2);
  return static_cast<float>(v);
}

uint16_t f32_to_f16(float f) {
  _Float16 v = static_cast<_Float16>(f);  // IEEE round-to-nearest-even
  uint16_t h;
  std::memcpy(&h, &v, 2);
  return h;
}

float bf16_to_f32(uint16_t h) {
  uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

uint16_t f32_to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40);  // quiet NaN
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

namespace {
template <typename I>
I saturate(double v) {
  if (std::isnan(v)) return 0;
  double r = std::nearbyint(v);
  if (r < static_cast<double>(std::numeric_limits<I>::min())) return std::numeric_limits<I>::min();
  if (r > static_cast<double>(std::numeric_limits<I>::max())) return std::numeric_limits<I>::max();
  return static_cast<I>(r);
}
}  // namespace

double round_to(Elem e, double v) {
  switch (e) {
    case Elem::f32: return static_cast<double>(static_cast<float>(v));
    case Elem::f16: return f16_to_f32(f32_to_f16(static_cast<float>(v)));
    case Elem::bf16: return bf16_to_f32(f32_to_bf16(static_cast<float>(v)));
    case Elem::i32: return saturate<int32_t>(v);
    case Elem::i8: return saturate<int8_t>(v);
    case Elem::u8: return saturate<uint8_t>(v);
  }
  return v;
}

HostBuffer::HostBuffer(std::string name, Elem elem, std::vector<int64_t> dims)
    : name_(std::move(name)), elem_(elem), dims_(std::move(dims)) {
  numel_ = 1;
  for (int64_t d : dims_) {
    if (d < 0) throw std::invalid_argument("buffer " + name_ + ": negative dimension");
    numel_ *= static_cast<std::size_t>(d);
  }
  // 64-byte alignment so vectorised kernels may use aligned loads at row
  // starts. Every buffer is a mapping that ends in an inaccessible guard page,
  // placed so that the allocation (bytes rounded up to 64) ends right at the
  // guard: any access past that faults. The rounding slack between the last
  // element and the guard (under 64 bytes, none when the size is a multiple
  // of 64) holds a canary, so a write into it is seen (slack_intact). Pages
  // are zero until first touched, so a buffer nobody writes (an output's host
  // copy while the GPU checks it in place) costs nothing.
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  std::size_t bytes_alloc = ((bytes() + 63) / 64) * 64;
  if (bytes_alloc == 0) bytes_alloc = 64;
  const std::size_t body = ((bytes_alloc + page - 1) / page) * page;
  void* p = mmap(nullptr, body + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  auto* base = static_cast<unsigned char*>(p);
  if (mprotect(base + body, page, PROT_NONE) != 0) {
    munmap(p, body + page);
    throw std::bad_alloc();
  }
  data_ = std::unique_ptr<void, Free>(base + body - bytes_alloc, Free{base, body + page});
  slack_ = bytes_alloc - bytes();
  std::memset(static_cast<unsigned char*>(data_.get()) + bytes(), kSlackCanary, slack_);
}

void HostBuffer::reset_slack() {
  if (slack_) std::memset(static_cast<unsigned char*>(data_.get()) + bytes(), kSlackCanary, slack_);
}

bool HostBuffer::slack_intact() const {
  const auto* tail = static_cast<const unsigned char*>(data_.get()) + bytes();
  for (std::size_t i = 0; i < slack_; ++i)
    if (tail[i] != kSlackCanary) return false;
  return true;
}

void HostBuffer::Free::operator()(void*) const { munmap(base, mapped); }

double HostBuffer::get(std::size_t i) const {
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

void HostBuffer::set(std::size_t i, double v) {
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

uint32_t HostBuffer::bits(std::size_t i) const {
  const auto* p = static_cast<const unsigned char*>(data_.get());
  uint32_t b = 0;
  std::memcpy(&b, p + elem_size(elem_) * i, elem_size(elem_));
  return b;
}

void HostBuffer::set_bits(std::size_t i, uint32_t b) {
  auto* p = static_cast<unsigned char*>(data_.get());
  std::memcpy(p + elem_size(elem_) * i, &b, elem_size(elem_));
}

void HostBuffer::fill_bits(uint32_t b) {
  switch (elem_size(elem_)) {
    case 4: std::fill_n(static_cast<uint32_t*>(data()), numel_, b); return;
    case 2: std::fill_n(static_cast<uint16_t*>(data()), numel_, static_cast<uint16_t>(b)); return;
    default: std::memset(data(), static_cast<int>(b & 0xff), numel_); return;
  }
}

void HostBuffer::to_doubles(std::vector<double>& out) const {
  out.resize(numel_);
  const void* p = data();
  switch (elem_) {
    case Elem::f32: { auto* v = static_cast<const float*>(p); for (std::size_t i = 0; i < numel_; ++i) out[i] = v[i]; return; }
    case Elem::f16: { auto* v = static_cast<const _Float16*>(p); for (std::size_t i = 0; i < numel_; ++i) out[i] = static_cast<double>(v[i]); return; }
    case Elem::bf16: { auto* v = static_cast<const uint16_t*>(p); for (std::size_t i = 0; i < numel_; ++i) out[i] = bf16_to_f32(v[i]); return; }
    case Elem::i32: { auto* v = static_cast<const int32_t*>(p); for (std::size_t i = 0; i < numel_; ++i) out[i] = v[i]; return; }
    case Elem::i8: { auto* v = static_cast<const int8_t*>(p); for (std::size_t i = 0; i < numel_; ++i) out[i] = v[i]; return; }
    case Elem::u8: { auto* v = static_cast<const uint8_t*>(p); for (std::size_t i = 0; i < numel_; ++i) out[i] = v[i]; return; }
  }
}

uint32_t poison_bits(Elem e) {
  switch (e) {
    case Elem::f32: return 0x7fc0dea1u;
    case Elem::f16: return 0x7e5au;
    case Elem::bf16: return 0x7fdau;
    case Elem::i32: return 0xa5a5a5a5u;
    case Elem::i8: case Elem::u8: return 0xa5u;
  }
  return 0;
}

}  // namespace foundry
