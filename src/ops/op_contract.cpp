#include "ops/op_contract.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <thread>
#include <limits>
#include <numbers>
#include <stdexcept>

#include <fmt/format.h>

#include "core/expr.hpp"
#include "core/philox.h"
#include "core/check_element.h"

namespace foundry {

std::string to_string(Role r) {
  switch (r) {
    case Role::in: return "in";
    case Role::out: return "out";
    case Role::inout: return "inout";
  }
  return "?";
}

Tolerance OpContract::tolerance(DType d, const BufferSpec& out) const {
  Elem e = out.elem(d);
  switch (e) {
    case Elem::f32: return {1e-5, 1e-5};
    case Elem::f16: return {2e-3, 2e-3};
    case Elem::bf16: return {1.6e-2, 1.6e-2};
    default: return {0, 0};
  }
}

std::vector<int64_t> OpContract::buffer_dims(const BufferSpec& b, const Shape& s) const {
  std::vector<int64_t> dims;
  for (const auto& d : b.dims) {
    try {
      dims.push_back(eval_int(d, s));
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("op {}: buffer {}: {}", name, b.name, e.what()));
    }
  }
  return dims;
}

std::vector<HostBuffer> OpContract::allocate(const Case& c) const {
  std::vector<HostBuffer> out;
  out.reserve(buffers.size());
  for (const auto& b : buffers) out.emplace_back(b.name, b.elem(c.dtype), buffer_dims(b, c.shape));
  return out;
}

double OpContract::buffer_bytes(const BufferSpec& b, const Case& c) const {
  double n = static_cast<double>(elem_size(b.elem(c.dtype)));
  for (int64_t d : buffer_dims(b, c.shape)) n *= static_cast<double>(d);
  return n;
}

double OpContract::total_bytes(const Case& c) const {
  double bytes = 0;
  for (const auto& b : buffers) bytes += buffer_bytes(b, c);
  return bytes;
}

std::vector<Shape> row_shapes(Regime r) {
  switch (r) {
    case Regime::decode: return {{{"rows", 1}, {"cols", 4096}}, {{"rows", 8}, {"cols", 4096}}, {{"rows", 32}, {"cols", 8192}}};
    case Regime::prefill: return {{{"rows", 4096}, {"cols", 4096}}};
    case Regime::odd: return {{{"rows", 7}, {"cols", 1031}}, {{"rows", 33}, {"cols", 3}}, {{"rows", 129}, {"cols", 4097}}};
  }
  return {};
}

const BufferSpec& OpContract::buffer(const std::string& n) const { return buffers.at(buffer_index(n)); }

int OpContract::buffer_index(const std::string& n) const {
  for (std::size_t i = 0; i < buffers.size(); ++i)
    if (buffers[i].name == n) return static_cast<int>(i);
  throw std::out_of_range(fmt::format("op {}: no buffer named {}", name, n));
}

int64_t OpContract::dim(const Case& c, const std::string& symbol) const {
  auto it = c.shape.find(symbol);
  if (it == c.shape.end()) throw std::out_of_range(fmt::format("op {}: shape has no symbol {}", name, symbol));
  return it->second;
}

double OpContract::param(const Case& c, const std::string& p) const {
  auto it = c.params.find(p);
  if (it == c.params.end()) throw std::out_of_range(fmt::format("op {}: no parameter {}", name, p));
  return it->second;
}

BufferView::BufferView(const std::vector<HostBuffer>& all) {
  for (const auto& b : all) slots_.push_back(&b);
}

CheckResult OpContract::compare(const Case& c, const BufferView& bufs,
                                const std::vector<std::vector<double>>& ref) const {
  CheckResult r;
  std::size_t k = 0;
  for (std::size_t i = 0; i < buffers.size(); ++i) {
    if (buffers[i].role == Role::in) continue;
    compare_elementwise(bufs[i], ref.at(k++), tolerance(c.dtype, buffers[i]), r);
  }
  return r;
}

int mantissa_bits(Elem e) {
  switch (e) {
    case Elem::f32: return 24;
    case Elem::f16: return 11;
    case Elem::bf16: return 8;
    default: return 0;
  }
}

namespace {
int severity(Status s) {
  switch (s) {
    case Status::unwritten: return FOUNDRY_CHECK_UNWRITTEN;
    case Status::nonfinite: return FOUNDRY_CHECK_NONFINITE;
    case Status::mismatch: return FOUNDRY_CHECK_MISMATCH;
    default: return FOUNDRY_CHECK_OK;
  }
}
}  // namespace

Status status_of_severity(int s) {
  switch (s) {
    case FOUNDRY_CHECK_UNWRITTEN: return Status::unwritten;
    case FOUNDRY_CHECK_NONFINITE: return Status::nonfinite;
    case FOUNDRY_CHECK_MISMATCH: return Status::mismatch;
    default: return Status::ok;
  }
}

std::string element_detail(const std::string& buffer, std::size_t i, double y, double want, Status s) {
  return fmt::format("{}[{}] = {} expected {} ({})", buffer, i, y, want, to_string(s));
}

void merge_check(CheckResult& into, const CheckResult& part) {
  into.max_abs_err = std::max(into.max_abs_err, part.max_abs_err);
  into.max_rel_err = std::max(into.max_rel_err, part.max_rel_err);
  into.max_ulp = std::max(into.max_ulp, part.max_ulp);
  into.mismatches += part.mismatches;
  if (severity(part.status) > severity(into.status)) {
    into.status = part.status;
    into.detail = part.detail;
  }
}

Tolerance scaled_tolerance(Tolerance tol, Elem e, const std::vector<double>& ref) {
  // The absolute part of the bound is relative to the output's scale (its
  // RMS): a fixed atol would let an all-zero output pass wherever the true
  // values are small (softmax rows, the tiny-magnitude tests).
  if (elem_is_float(e) && std::isfinite(tol.atol)) tol.atol *= rms(ref);
  return tol;
}

namespace {
// Checks elements [begin, end) into `r` (status, detail of the first element
// of the worst kind, counts and maxima).
void compare_range(const HostBuffer& out, const std::vector<double>& ref, const Tolerance& tol, std::size_t begin,
                   std::size_t end, CheckResult& result) {
  // Accumulate locally: slices' results sit side by side in memory, and
  // updating them per element would bounce cache lines between threads.
  CheckResult r;
  const uint32_t poison = poison_bits(out.elem());
  const int mant = mantissa_bits(out.elem());
  for (std::size_t i = begin; i < end; ++i) {
    const double want = ref[i];
    const double y = out.get(i);
    double abs_err, rel_err, ulp;
    const int s = foundry_check_element(y, out.bits(i) == poison, want, mant, tol.atol, tol.rtol, &abs_err, &rel_err, &ulp);
    r.max_abs_err = std::max(r.max_abs_err, abs_err);
    r.max_rel_err = std::max(r.max_rel_err, rel_err);
    r.max_ulp = std::max(r.max_ulp, ulp);
    if (s == FOUNDRY_CHECK_OK) continue;
    ++r.mismatches;
    if (s > severity(r.status)) {
      r.status = status_of_severity(s);
      r.detail = element_detail(out.name(), i, y, want, r.status);
    }
  }
  result = std::move(r);
}

// Runs fn(begin, end, part) over `parts` contiguous slices of [0, n) in parallel.
template <typename F>
void parallel_slices(std::size_t n, std::size_t parts, F fn) {
  std::vector<std::thread> threads;
  for (std::size_t p = 0; p < parts; ++p)
    threads.emplace_back([&, p] { fn(n * p / parts, n * (p + 1) / parts, p); });
  for (auto& t : threads) t.join();
}

std::size_t slices_for(std::size_t n) {
  // Large outputs (GPU prefill shapes) are checked on every core.
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  return n < (std::size_t{1} << 20) ? 1 : std::min<std::size_t>(cores, 64);
}
}  // namespace

void compare_elementwise(const HostBuffer& out, const std::vector<double>& ref, Tolerance tol,
                         CheckResult& r) {
  if (ref.size() != out.numel())
    throw std::logic_error(fmt::format("reference for {} has {} values, buffer has {}", out.name(),
                                       ref.size(), out.numel()));
  tol = scaled_tolerance(tol, out.elem(), ref);
  const std::size_t parts = slices_for(out.numel());
  std::vector<CheckResult> part(parts);
  parallel_slices(out.numel(), parts, [&](std::size_t b, std::size_t e, std::size_t p) {
    compare_range(out, ref, tol, b, e, part[p]);
  });
  // In slice order, so the detail names the first element of the worst kind.
  for (const auto& pr : part) merge_check(r, pr);
}

double rms(const std::vector<double>& v) {
  const std::size_t parts = slices_for(v.size());
  std::vector<double> squares(parts, 0.0);
  std::vector<std::size_t> counts(parts, 0);
  parallel_slices(v.size(), parts, [&](std::size_t b, std::size_t e, std::size_t p) {
    double sq = 0;  // local sums: neighbouring slots would share cache lines
    std::size_t n = 0;
    for (std::size_t i = b; i < e; ++i)
      if (std::isfinite(v[i])) {
        sq += v[i] * v[i];
        ++n;
      }
    squares[p] = sq;
    counts[p] = n;
  });
  double sq = 0;
  std::size_t n = 0;
  for (std::size_t p = 0; p < parts; ++p) {
    sq += squares[p];
    n += counts[p];
  }
  return n ? std::sqrt(sq / static_cast<double>(n)) : 0.0;
}

double uniform01(uint64_t seed, uint64_t stream, uint64_t i) {
  // 53-bit uniform from two 32-bit draws of the stream's counter space.
  uint64_t key = seed ^ (stream * 0x9E3779B97F4A7C15ull);
  foundry_philox4 w = foundry_philox(key, i);
  uint64_t bits = (static_cast<uint64_t>(w.v[0]) << 21) ^ (static_cast<uint64_t>(w.v[1]) >> 11);
  return static_cast<double>(bits & ((1ull << 53) - 1)) * 0x1.0p-53;
}

double normal(uint64_t seed, uint64_t stream, uint64_t i) {
  // Box-Muller: elements 2k and 2k+1 are the cosine and sine halves of one
  // draw from counter k, so a pair costs one Philox call.
  uint64_t key = seed ^ (stream * 0x9E3779B97F4A7C15ull);
  foundry_philox4 w = foundry_philox(key, i >> 1);
  double u1 = (static_cast<double>(w.v[0]) + 1.0) * 0x1.0p-32;  // (0, 1]
  double u2 = static_cast<double>(w.v[1]) * 0x1.0p-32;
  double angle = 2.0 * std::numbers::pi * u2;
  return std::sqrt(-2.0 * std::log(u1)) * ((i & 1) ? std::sin(angle) : std::cos(angle));
}

void parallel_for(std::size_t n, const std::function<void(std::size_t, std::size_t)>& body, std::size_t min_n) {
  const std::size_t threads = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 64);
  if (n < std::max<std::size_t>(min_n, 2) || threads == 1) {
    body(0, n);
    return;
  }
  std::vector<std::thread> pool;
  for (std::size_t t = 0; t < threads; ++t)
    pool.emplace_back(body, n * t / threads, n * (t + 1) / threads);
  for (auto& th : pool) th.join();
}

void fill_normal(HostBuffer& b, uint64_t seed, uint64_t stream, double scale, double mean) {
  // Pairs at a time: both halves of a Box-Muller draw from one Philox call and
  // one logarithm, the same values normal() gives element by element.
  const std::size_t n = b.numel();
  const uint64_t key = seed ^ (stream * 0x9E3779B97F4A7C15ull);
  parallel_for((n + 1) / 2, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t k = lo; k < hi; ++k) {
      const foundry_philox4 w = foundry_philox(key, k);
      const double u1 = (static_cast<double>(w.v[0]) + 1.0) * 0x1.0p-32;
      const double u2 = static_cast<double>(w.v[1]) * 0x1.0p-32;
      const double r = std::sqrt(-2.0 * std::log(u1)), angle = 2.0 * std::numbers::pi * u2;
      b.set(2 * k, mean + scale * (r * std::cos(angle)));
      if (2 * k + 1 < n) b.set(2 * k + 1, mean + scale * (r * std::sin(angle)));
    }
  });
}

void fill_uniform(HostBuffer& b, uint64_t seed, uint64_t stream, double lo, double hi) {
  parallel_for(b.numel(), [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) b.set(i, lo + (hi - lo) * uniform01(seed, stream, i));
  });
}

double magnitude_for_test(int test_index) {
  switch (test_index % 3) {
    case 0: return 1.0;
    case 1: return 64.0;    // large magnitudes: stress overflow in sums of squares and exp
    default: return 1.0 / 64.0;  // tiny magnitudes: stress eps handling and underflow
  }
}

bool outlier_test(const Case& c) { return c.test_index % 3 == 1; }
bool constant_rows_test(const Case& c) { return c.test_index % 3 == 2; }

void add_outliers(HostBuffer& b, uint64_t seed, uint64_t stream, int64_t row_len, double lo, double hi) {
  const int64_t n = static_cast<int64_t>(b.numel());
  if (row_len < 1 || n < 1) return;
  const int64_t per_row = std::max<int64_t>(1, row_len / 256);
  // Streams of their own, so the rest of the test's data does not move.
  const uint64_t where = stream + 0x0a170000u, size = stream + 0x0a180000u;
  // Rows side by side: a row's outliers land in that row alone, drawn from
  // counters row * per_row + i, so the split changes nothing.
  const int64_t rows = (n + row_len - 1) / row_len;
  parallel_for(static_cast<std::size_t>(rows), [&](std::size_t r0, std::size_t r1) {
    for (int64_t row = static_cast<int64_t>(r0); row < static_cast<int64_t>(r1); ++row)
      for (int64_t i = 0; i < per_row; ++i) {
        const uint64_t k = static_cast<uint64_t>(row * per_row + i);
        const int64_t j = std::min(row_len - 1, static_cast<int64_t>(uniform01(seed, where, k) * static_cast<double>(row_len)));
        const double u = uniform01(seed, size, k);
        const double v = lo * std::pow(hi / lo, u) * (uniform01(seed, where, k + (1ull << 40)) < 0.5 ? -1.0 : 1.0);
        if (row * row_len + j < n) b.set(static_cast<std::size_t>(row * row_len + j), v);
      }
  }, 256);
}

void make_constant_rows(HostBuffer& b, int64_t row_len) {
  const int64_t rows = row_len > 0 ? static_cast<int64_t>(b.numel()) / row_len : 0;
  // Rows 1, 5, 9, ... side by side (each reads and writes only itself): a
  // serial pass over a quarter of a GPU prefill buffer idles the other cores.
  const int64_t constant = rows > 1 ? (rows - 2) / 4 + 1 : 0;
  parallel_for(static_cast<std::size_t>(constant), [&](std::size_t q0, std::size_t q1) {
    for (int64_t r = 1 + 4 * static_cast<int64_t>(q0); r < 1 + 4 * static_cast<int64_t>(q1); r += 4) {
      const double v = b.get(static_cast<std::size_t>(r * row_len));
      for (int64_t j = 1; j < row_len; ++j) b.set(static_cast<std::size_t>(r * row_len + j), v);
    }
  }, static_cast<std::size_t>(std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(row_len, 1))));
}

double outlier_limit(DType d, double gain) {
  return d == DType::f16 ? std::min(1e4, 6e4 / std::max(1.0, gain)) : 1e4;
}

}  // namespace foundry
