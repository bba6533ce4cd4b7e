// The op contract: everything a template author and the harness need to know
// about one op. One subclass per op, one op per file (src/ops/<op>.cpp).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/buffer.hpp"
#include "core/types.hpp"

namespace foundry {

enum class Role { in, out, inout };
std::string to_string(Role r);

struct BufferSpec {
  std::string name;
  Role role;
  // Fixed element type; empty means "the candidate's dtype".
  std::optional<Elem> fixed;
  // Dimensions as expressions over shape symbols: "rows", "tokens*topk", "experts+1".
  std::vector<std::string> dims;
  Elem elem(DType d) const { return fixed ? *fixed : elem_of(d); }
};

enum class ParamType { f32, i64 };

struct ParamSpec {
  std::string name;
  ParamType type;
  std::vector<double> domain;  // values the sampler draws from
};

// One concrete problem: what inputs and the reference depend on.
struct Case {
  std::string op;
  DType dtype = DType::f32;
  Shape shape;
  Params params;
  uint64_t seed = 0;     // input seed for this test
  int test_index = 0;    // 0 = typical data; >0 = adversarial variants chosen by the op
};

struct Tolerance {
  double atol = 0;
  double rtol = 0;
};

struct Traffic {
  double bytes = 0;  // minimum traffic: every input read once, every output written once
  double flops = 0;
};

// The buffers a comparison reads, in contract order. A run's outputs and the
// test's pristine inputs may sit in different vectors (a GPU run copies back
// only what the kernel writes), so each slot refers to a buffer held elsewhere.
class BufferView {
 public:
  BufferView(const std::vector<HostBuffer>& all);  // NOLINT: every slot from one vector
  explicit BufferView(std::vector<const HostBuffer*> slots) : slots_(std::move(slots)) {}
  const HostBuffer& operator[](std::size_t i) const { return *slots_[i]; }
  const HostBuffer& at(std::size_t i) const { return *slots_.at(i); }
  std::size_t size() const { return slots_.size(); }

 private:
  std::vector<const HostBuffer*> slots_;
};

// Result of comparing one run's outputs against the reference.
struct CheckResult {
  Status status = Status::ok;  // ok, mismatch, nonfinite or unwritten
  double max_abs_err = 0;
  double max_rel_err = 0;
  double max_ulp = 0;
  int64_t mismatches = 0;
  std::string detail;  // first offending element, human readable
};

class OpContract {
 public:
  virtual ~OpContract() = default;

  std::string name;
  KernelClass kernel_class = KernelClass::A;
  int stage = 1;  // curriculum stage that unlocks the op
  std::string summary;
  std::string math;
  std::vector<BufferSpec> buffers;         // ABI order: buffers first ...
  std::vector<std::string> size_symbols;   // ... then sizes (int64) ...
  std::vector<ParamSpec> params;           // ... then scalars (float or int64)
  std::vector<DType> dtypes{DType::f32, DType::f16, DType::bf16};

  // Shapes for one regime; every symbol in size_symbols must be set.
  virtual std::vector<Shape> shapes(Regime r) const = 0;

  // Fill every `in` and `inout` buffer (allocated to the contract's dims) for the
  // case. Deterministic in (case.seed, case.test_index), using the Philox-based
  // helpers below. Adversarial variants come from case.test_index.
  virtual void generate(const Case& c, std::vector<HostBuffer>& bufs) const = 0;

  // Float64 reference. `bufs` holds the generated inputs (outputs are unset);
  // returns one vector per `out`/`inout` buffer, in contract order, holding that
  // buffer's complete expected final contents.
  virtual std::vector<std::vector<double>> reference(const Case& c,
                                                     const std::vector<HostBuffer>& bufs) const = 0;

  virtual Traffic traffic(const Case& c) const = 0;

  // Tolerance for one output buffer. The default covers float buffers per dtype
  // (f32 1e-5, f16 2e-3, bf16 1.6e-2; atol is taken relative to the output's
  // RMS, see compare_elementwise) and exact integers.
  virtual Tolerance tolerance(DType d, const BufferSpec& out) const;

  // Compares kernel outputs against the reference. The default is elementwise
  // |y - ref| <= atol + rtol*|ref| over every output, with poison and
  // non-finite detection; ops whose outputs are legitimately ambiguous
  // (ties) override it.
  virtual CheckResult compare(const Case& c, const BufferView& bufs,
                              const std::vector<std::vector<double>>& ref) const;
  // True where compare() is the default elementwise rule: a backend may then
  // apply that rule where the outputs are (on the GPU) instead of copying them
  // back. An op that overrides compare() returns false.
  virtual bool elementwise_check() const { return true; }

  // Helpers shared by every op.
  std::vector<int64_t> buffer_dims(const BufferSpec& b, const Shape& s) const;
  std::vector<HostBuffer> allocate(const Case& c) const;
  // Bytes of one buffer for the case (numel * element size).
  double buffer_bytes(const BufferSpec& b, const Case& c) const;
  // Bytes of every buffer: the minimum traffic when each is read or written once.
  double total_bytes(const Case& c) const;
  const BufferSpec& buffer(const std::string& name) const;
  int buffer_index(const std::string& name) const;
  int64_t dim(const Case& c, const std::string& symbol) const;
  double param(const Case& c, const std::string& p) const;
};

// A reference's outputs, moved in: an initializer list ({y}) would copy each
// (half a gigabyte at GPU prefill sizes, into fresh pages).
template <typename... V>
std::vector<std::vector<double>> reference_outputs(V&&... v) {
  std::vector<std::vector<double>> out;
  out.reserve(sizeof...(v));
  (out.push_back(std::move(v)), ...);
  return out;
}

// The shapes most [rows, cols] ops share: decode rows 1-32 of 4096-8192
// columns, a 4096 x 4096 prefill, and odd sizes (7 x 1031, 33 x 3, 129 x 4097).
std::vector<Shape> row_shapes(Regime r);

// Counter-based input generation: value i of stream `stream` under `seed`.
double uniform01(uint64_t seed, uint64_t stream, uint64_t i);  // [0, 1)
double normal(uint64_t seed, uint64_t stream, uint64_t i);     // N(0, 1)
// Fill a float buffer with scale * N(0,1), one stream per buffer.
void fill_normal(HostBuffer& b, uint64_t seed, uint64_t stream, double scale, double mean = 0.0);
void fill_uniform(HostBuffer& b, uint64_t seed, uint64_t stream, double lo, double hi);
// Data scale for adversarial variants: 1 for test 0, then large, then tiny magnitudes.
double magnitude_for_test(int test_index);

// Inputs that reach the edges (docs/RELIABILITY.md lists what each op gets).
// The large-magnitude test (1) also carries outliers, as the outlier features
// of LLM activations do; the tiny one (2) has constant rows.
bool outlier_test(const Case& c);
bool constant_rows_test(const Case& c);
// Isolated outliers: one element in every 256 of each row of `row_len` (at
// least one per row) set to +-[lo, hi], log-uniform, at seeded positions.
void add_outliers(HostBuffer& b, uint64_t seed, uint64_t stream, int64_t row_len, double lo, double hi);
// Every fourth row from row 1 (none in a single-row buffer) holds one value
// throughout: its first element's.
void make_constant_rows(HostBuffer& b, int64_t row_len);
// The largest outlier a dtype holds through an op that multiplies its input
// by up to `gain`: 1e4, or less where f16's 65504 would overflow.
double outlier_limit(DType d, double gain);

// Runs body(begin, end) over contiguous slices of [0, n) on every core, or in
// one call when n < min_n. For work whose result does not depend on the split:
// counter-based draws, rows of a reference computed independently.
void parallel_for(std::size_t n, const std::function<void(std::size_t, std::size_t)>& body,
                  std::size_t min_n = std::size_t{1} << 16);

// Root mean square of the finite values.
double rms(const std::vector<double>& v);

// Elementwise comparison of one buffer; merges into `r`. For float buffers the
// bound is |y - ref| <= atol * rms(ref) + rtol * |ref|: atol is a fraction of
// the output's typical magnitude, so zeros never pass for small true values.
void compare_elementwise(const HostBuffer& out, const std::vector<double>& ref, Tolerance tol,
                         CheckResult& r);

// The parts of compare_elementwise a comparison elsewhere (on the GPU) reuses.
int mantissa_bits(Elem e);         // 24, 11, 8 for f32, f16, bf16; 0 for integers
Status status_of_severity(int s);  // FOUNDRY_CHECK_* (core/check_element.h) to status
std::string element_detail(const std::string& buffer, std::size_t i, double y, double want, Status s);
// Maxima and counts add up; the detail of the worse status wins (the earlier on a tie).
void merge_check(CheckResult& into, const CheckResult& part);
// The bound for one output: float atol scaled by the reference's RMS.
Tolerance scaled_tolerance(Tolerance tol, Elem e, const std::vector<double>& ref);

}  // namespace foundry
