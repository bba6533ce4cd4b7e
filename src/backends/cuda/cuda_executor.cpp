#include "backends/cuda/cuda_executor.hpp"

#include <algorithm>
#include <bit>
#include <chrono>

#include <fmt/format.h>

#include "backends/kernel_args.hpp"

namespace foundry {

CudaExecutor::CudaExecutor() {
  ctx_.check(ctx_.api().EventCreate(&start_, 0), "cuEventCreate");
  ctx_.check(ctx_.api().EventCreate(&stop_, 0), "cuEventCreate");
  flush_ = std::make_unique<DeviceBuffer>(ctx_, 2 * static_cast<std::size_t>(std::max(ctx_.l2_bytes(), 1 << 20)));
}

CudaExecutor::~CudaExecutor() {
  if (poisoned_) {
    // The context is dead; freeing into it would only report the fault again.
    for (auto& b : buffers_) b.release();
    for (auto& slot : kept_)
      for (auto& b : slot) b.release();
    for (auto* m : {&resident_, &refs_})
      for (auto& [seed, bufs] : *m)
        for (auto& b : bufs) b.release();
    flush_.release();
    acc_.release();
    kernel_.release();
    checker_.release();
    summer_.release();
    differ_.release();
    return;
  }
  ctx_.api().EventDestroy(start_);
  ctx_.api().EventDestroy(stop_);
}

ExecError CudaExecutor::fail(const CudaError& e, bool during_launch) {
  if (is_sticky_cuda_error(e.code)) {
    poisoned_ = true;
    return {Status::runtime_fault, e.what()};
  }
  return {during_launch ? Status::launch_error : Status::runtime_fault, e.what()};
}

void CudaExecutor::new_case() {
  resident_.clear();
  refs_.clear();
  ref_sums_.clear();
  input_sums_.clear();
  kept_.clear();
  buffers_.clear();
  args_.reset();
}

ExecError CudaExecutor::load(const LoadSpec& spec) {
  kernel_.reset();
  args_.reset();
  checker_path_ = spec.checker;
  host_checks_ = spec.host_checks;
  grid_ = spec.grid;
  threads_ = spec.threads;
  smem_ = spec.smem;
  try {
    kernel_ = std::make_unique<CudaKernel>(ctx_, spec.artifact);
  } catch (const CudaError& e) {
    return fail(e, true);
  }
  return {};
}

std::vector<void*> CudaExecutor::device_args(const OpContract& op, const Case& c, const std::vector<HostBuffer>& host) {
  // `host`: the test's pristine buffers, uploaded on first sight of its seed.
  const auto t0 = std::chrono::steady_clock::now();
  const auto& api = ctx_.api();
  // First run of the case: every buffer the kernel sees gets one live copy,
  // the same for every test, so a kernel cannot tell tests (or key a cached
  // answer) by an input's address; each run's inputs are copied in.
  if (buffers_.empty())
    for (std::size_t i = 0; i < host.size(); ++i) buffers_.push_back(std::make_unique<DeviceBuffer>(ctx_, host[i].bytes()));
  auto& pristine = resident_[c.seed];
  if (pristine.empty()) {  // first run of this test: upload its inputs
    for (std::size_t i = 0; i < host.size(); ++i) {
      if (op.buffers[i].role == Role::out) {
        pristine.push_back(nullptr);
        continue;
      }
      pristine.push_back(std::make_unique<DeviceBuffer>(ctx_, host[i].bytes()));
      if (host[i].bytes())
        ctx_.upload(pristine.back()->ptr(), host[i].data(), host[i].bytes());
    }
    // Fingerprints of the read-only inputs (verify_inputs), taken on the
    // device from the fresh copies before any kernel has run on them.
    auto& sums = input_sums_[c.seed];
    for (std::size_t i = 0; i < host.size(); ++i)
      sums.push_back(op.buffers[i].role == Role::in && !checker_path_.empty()
                         ? word_sum(pristine[i]->ptr(), host[i].bytes())
                         : 0);
  }
  staged_seed_ = c.seed;
  std::vector<void*> ptrs;
  for (std::size_t i = 0; i < host.size(); ++i) {
    const Role role = op.buffers[i].role;
    const std::size_t bytes = host[i].bytes();
    if (role != Role::out && bytes)
      ctx_.check(api.MemcpyDtoDAsync(buffers_[i]->ptr(), pristine[i]->ptr(), bytes, nullptr), "cuMemcpyDtoDAsync");
    if (role == Role::out && bytes) {
      const uint32_t poison = poison_bits(host[i].elem());
      switch (elem_size(host[i].elem())) {
        case 4: ctx_.check(api.MemsetD32Async(buffers_[i]->ptr(), poison, bytes / 4, nullptr), "cuMemsetD32Async"); break;
        case 2: ctx_.check(api.MemsetD16Async(buffers_[i]->ptr(), static_cast<unsigned short>(poison), bytes / 2, nullptr), "cuMemsetD16Async"); break;
        default: ctx_.check(api.MemsetD8Async(buffers_[i]->ptr(), static_cast<unsigned char>(poison), bytes, nullptr), "cuMemsetD8Async");
      }
    }
    ptrs.push_back(reinterpret_cast<void*>(static_cast<uintptr_t>(buffers_[i]->ptr())));
  }
  transfer_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return ptrs;
}

ExecError CudaExecutor::fetch(const OpContract& op, std::vector<HostBuffer>& work) {
  const auto t0 = std::chrono::steady_clock::now();
  try {
    for (std::size_t i = 0; i < work.size(); ++i)
      if (op.buffers[i].role != Role::in && work[i].bytes())
        ctx_.check(ctx_.api().MemcpyDtoH(work[i].data(), buffers_.at(i)->ptr(), work[i].bytes()), "cuMemcpyDtoH");
  } catch (const CudaError& e) {
    return fail(e, false);
  }
  transfer_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return {};
}

namespace {
// Mirrors foundry_check_acc in device_check.cu.
struct CheckAcc {
  unsigned long long max_abs, max_rel, max_ulp, mismatches;
  unsigned long long first[4];
  unsigned long long ref_sum;
};

// What device_check.cu's ref_sum comes to for an intact reference.
unsigned long long bit_sum(const std::vector<double>& v) {
  unsigned long long s = 0;
  for (double d : v) s += std::bit_cast<unsigned long long>(d);
  return s;
}
static_assert(static_cast<int>(Elem::f32) == 0 && static_cast<int>(Elem::f16) == 1 && static_cast<int>(Elem::bf16) == 2 &&
                  static_cast<int>(Elem::i32) == 3 && static_cast<int>(Elem::i8) == 4 && static_cast<int>(Elem::u8) == 5,
              "device_check.cu numbers element kinds like foundry::Elem");
}  // namespace

void CudaExecutor::load_checker() {
  if (checker_) return;
  checker_ = std::make_unique<CudaKernel>(ctx_, checker_path_, "foundry_check");
  summer_ = std::make_unique<CudaKernel>(ctx_, checker_path_, "foundry_sum_words");
  differ_ = std::make_unique<CudaKernel>(ctx_, checker_path_, "foundry_diff_bytes");
  acc_ = std::make_unique<DeviceBuffer>(ctx_, sizeof(CheckAcc));
}

unsigned long long CudaExecutor::word_sum(cuda::CUdeviceptr p, std::size_t bytes) {
  long long n = static_cast<long long>(bytes / 4);
  if (n == 0) return 0;
  load_checker();
  const auto& api = ctx_.api();
  cuda::CUdeviceptr acc = acc_->ptr();
  ctx_.check(api.MemsetD32Async(acc, 0, 2, nullptr), "cuMemsetD32Async");
  void* args[] = {&p, &n, &acc};
  const long long grid = std::min<long long>((n + 255) / 256, 8LL * ctx_.sm_count());
  if (cuda::CUresult e = summer_->launch(grid, 256, 0, args); e != 0)
    throw CudaError(e, "foundry_sum_words launch: " + api.error_text(e));
  unsigned long long s = 0;
  ctx_.check(api.MemcpyDtoH(&s, acc, sizeof s), "cuMemcpyDtoH");
  return s;
}

ExecError CudaExecutor::verify_inputs(const OpContract& op, const Case& c) {
  // `in` buffers are read-only: after a run their live copies must still
  // hold what the last stage copied in (a kernel that uses its input as
  // scratch, or writes past an output into it, is caught here). Each stage
  // restores them, so no write outlives the run it was made in.
  (void)c;
  if (checker_path_.empty() || buffers_.empty()) return {};
  try {
    const auto& sums = input_sums_.at(staged_seed_);
    for (std::size_t i = 0; i < op.buffers.size(); ++i) {
      if (op.buffers[i].role != Role::in) continue;
      if (buffers_[i]->bytes() / 4 == 0) continue;
      if (word_sum(buffers_[i]->ptr(), buffers_[i]->bytes()) != sums[i]) {
        new_case();  // upload everything afresh for the next candidate
        return {Status::runtime_fault, fmt::format("wrote into its input {} (read-only; test seed {})", op.buffers[i].name, staged_seed_)};
      }
    }
  } catch (const CudaError& e) {
    return fail(e, false);
  }
  return {};
}

bool CudaExecutor::check_in_place(const OpContract& op, const Case& c, const std::vector<std::vector<double>>& ref,
                                  const std::vector<Tolerance>& tol, CheckResult& out, ExecError& err) {
  if (!checks_in_place() || buffers_.empty()) return false;
  const auto& api = ctx_.api();
  try {
    load_checker();
    auto& dref = refs_[c.seed];
    if (dref.empty()) {  // first check of this test: its reference moves to the device once
      const auto t0 = std::chrono::steady_clock::now();
      try {
        ref_sums_[c.seed].clear();
        for (const auto& r : ref) {
          ref_sums_[c.seed].push_back(bit_sum(r));
          dref.push_back(std::make_unique<DeviceBuffer>(ctx_, r.size() * sizeof(double)));
          if (!r.empty())
            ctx_.upload(dref.back()->ptr(), r.data(), r.size() * sizeof(double));
        }
      } catch (const CudaError& e) {
        refs_.erase(c.seed);
        if (is_sticky_cuda_error(e.code)) throw;
        return false;  // no room for the reference: check on the host
      }
      transfer_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    }
    CheckResult result;
    std::size_t k = 0;
    for (std::size_t i = 0; i < op.buffers.size(); ++i) {
      if (op.buffers[i].role == Role::in) continue;
      const Elem elem = op.buffers[i].elem(c.dtype);
      const std::vector<double>& want = ref.at(k);
      long long n = static_cast<long long>(want.size());
      cuda::CUdeviceptr y = buffers_.at(i)->ptr(), r = dref.at(k)->ptr(), acc = acc_->ptr();
      int elem_code = static_cast<int>(elem), mant = mantissa_bits(elem);
      unsigned int poison = poison_bits(elem);
      double atol = tol.at(k).atol, rtol = tol.at(k).rtol;
      ++k;
      if (n == 0) continue;
      ctx_.check(api.MemsetD32Async(acc, 0, 8, nullptr), "cuMemsetD32Async");
      ctx_.check(api.MemsetD32Async(acc + 32, 0xffffffffu, 8, nullptr), "cuMemsetD32Async");
      ctx_.check(api.MemsetD32Async(acc + 64, 0, 2, nullptr), "cuMemsetD32Async");
      void* args[] = {&y, &elem_code, &r, &n, &poison, &mant, &atol, &rtol, &acc};
      const long long grid = std::min<long long>((n + 255) / 256, 8LL * ctx_.sm_count());
      if (cuda::CUresult e = checker_->launch(grid, 256, 0, args); e != 0)
        throw CudaError(e, "foundry_check launch: " + api.error_text(e));
      CheckAcc h{};
      ctx_.check(api.MemcpyDtoH(&h, acc, sizeof h), "cuMemcpyDtoH");
      if (h.ref_sum != ref_sums_.at(c.seed).at(k - 1)) {
        // Only the kernel under test ran since the last intact check: it wrote
        // outside its outputs. Nothing kept on the device can be trusted now.
        new_case();
        err = {Status::runtime_fault, fmt::format("wrote outside its output buffers: the float64 reference of {} "
                                                  "(test seed {}) kept on the device changed", op.buffers[i].name, c.seed)};
        return true;
      }
      CheckResult part;
      part.max_abs_err = std::bit_cast<double>(h.max_abs);
      part.max_rel_err = std::bit_cast<double>(h.max_rel);
      part.max_ulp = std::bit_cast<double>(h.max_ulp);
      part.mismatches = static_cast<int64_t>(h.mismatches);
      for (int sev = 3; sev >= 1; --sev) {
        if (h.first[sev] == ~0ull) continue;
        // The first element of the worst kind, named as the host check names it.
        const std::size_t at = h.first[sev];
        HostBuffer one(op.buffers[i].name, elem, {1});
        ctx_.check(api.MemcpyDtoH(one.data(), y + at * elem_size(elem), elem_size(elem)), "cuMemcpyDtoH");
        part.status = status_of_severity(sev);
        part.detail = element_detail(op.buffers[i].name, at, one.get(0), want[at], part.status);
        break;
      }
      merge_check(result, part);
    }
    out = std::move(result);
  } catch (const CudaError& e) {
    err = fail(e, false);
  }
  return true;
}

ExecError CudaExecutor::stage(const OpContract& op, const Case& c, const std::vector<HostBuffer>& pristine,
                              std::vector<HostBuffer>& /*work: outputs stay on the device until fetch*/) {
  try {
    args_.emplace(op, device_args(op, c, pristine), c);
    return {};
  } catch (const CudaError& e) {
    return fail(e, false);
  }
}

ExecError CudaExecutor::launch(bool flush, double* us) {
  const auto& api = ctx_.api();
  try {
    // Everything the stage queued (restores, poison) and the flush precede the
    // start event on the same stream, so none of it is timed.
    if (us && flush) ctx_.check(api.MemsetD8Async(flush_->ptr(), 0, flush_->bytes(), nullptr), "cuMemsetD8Async");
    if (us) ctx_.check(api.EventRecord(start_, nullptr), "cuEventRecord");
    if (cuda::CUresult r = kernel_->launch(grid_, threads_, smem_, args_->args.data()); r != 0)
      return fail(CudaError(r, kernel_->cluster() > 0
                                   ? fmt::format("cuLaunchKernelEx(grid {}, block {}, smem {}, cluster {}): {}", grid_,
                                                 threads_, smem_, kernel_->cluster(), api.error_text(r))
                                   : fmt::format("cuLaunchKernel(grid {}, block {}, smem {}): {}", grid_, threads_,
                                                 smem_, api.error_text(r))),
                  true);
    if (!us) {
      ctx_.synchronize();
      return {};
    }
    ctx_.check(api.EventRecord(stop_, nullptr), "cuEventRecord");
    ctx_.check(api.EventSynchronize(stop_), "cuEventSynchronize");
    float ms = 0;
    ctx_.check(api.EventElapsedTime(&ms, start_, stop_), "cuEventElapsedTime");
    *us = static_cast<double>(ms) * 1e3;
    return {};
  } catch (const CudaError& e) {
    return fail(e, false);
  }
}

void CudaExecutor::copy_written(const OpContract& op, int slot, bool to_kept) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto& kept = kept_.at(static_cast<std::size_t>(slot));
  for (std::size_t i = 0; i < buffers_.size(); ++i) {
    if (op.buffers[i].role == Role::in || buffers_[i]->bytes() == 0) continue;
    const cuda::CUdeviceptr live = buffers_[i]->ptr(), aside = kept[i]->ptr();
    ctx_.check(ctx_.api().MemcpyDtoDAsync(to_kept ? aside : live, to_kept ? live : aside, buffers_[i]->bytes(), nullptr),
               "cuMemcpyDtoDAsync");
  }
  transfer_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

ExecError CudaExecutor::keep(const OpContract& op, std::vector<HostBuffer>& /*work*/, int slot) {
  try {
    if (kept_.size() <= static_cast<std::size_t>(slot)) kept_.resize(static_cast<std::size_t>(slot) + 1);
    auto& kept = kept_[static_cast<std::size_t>(slot)];
    if (kept.empty()) {  // first use in this case: buffers shaped like the written ones
      try {
        for (std::size_t i = 0; i < buffers_.size(); ++i)
          kept.push_back(op.buffers[i].role == Role::in ? nullptr : std::make_unique<DeviceBuffer>(ctx_, buffers_[i]->bytes()));
      } catch (const CudaError& e) {
        kept.clear();
        if (is_sticky_cuda_error(e.code)) throw;
        return {Status::harness_error, std::string("no device memory to keep a timed run's outputs for its check: ") + e.what()};
      }
    }
    copy_written(op, slot, true);
    return {};
  } catch (const CudaError& e) {
    return fail(e, false);
  }
}

bool CudaExecutor::same_as_kept(const OpContract& op, const std::vector<HostBuffer>& /*work*/, int slot) {
  if (kept_.size() <= static_cast<std::size_t>(slot) || kept_[static_cast<std::size_t>(slot)].empty()) return false;
  const auto& kept = kept_[static_cast<std::size_t>(slot)];
  const auto& api = ctx_.api();
  try {
    for (std::size_t i = 0; i < buffers_.size(); ++i) {
      if (op.buffers[i].role == Role::in || buffers_[i]->bytes() == 0) continue;
      long long n = static_cast<long long>(buffers_[i]->bytes());
      if (checker_path_.empty()) {  // no device-side tools: both copies to the host
        std::vector<unsigned char> a(static_cast<std::size_t>(n)), b(static_cast<std::size_t>(n));
        ctx_.check(api.MemcpyDtoH(a.data(), buffers_[i]->ptr(), a.size()), "cuMemcpyDtoH");
        ctx_.check(api.MemcpyDtoH(b.data(), kept[i]->ptr(), b.size()), "cuMemcpyDtoH");
        if (a != b) return false;
        continue;
      }
      load_checker();
      cuda::CUdeviceptr a = buffers_[i]->ptr(), b = kept[i]->ptr(), acc = acc_->ptr();
      ctx_.check(api.MemsetD32Async(acc, 0, 2, nullptr), "cuMemsetD32Async");
      void* args[] = {&a, &b, &n, &acc};
      const long long grid = std::min<long long>((n + 255) / 256, 8LL * ctx_.sm_count());
      if (cuda::CUresult e = differ_->launch(grid, 256, 0, args); e != 0)
        throw CudaError(e, "foundry_diff_bytes launch: " + api.error_text(e));
      unsigned long long differ = 0;
      ctx_.check(api.MemcpyDtoH(&differ, acc, sizeof differ), "cuMemcpyDtoH");
      if (differ != 0) return false;
    }
  } catch (const CudaError& e) {
    (void)fail(e, false);  // a sticky error marks the worker for restart
    return false;
  }
  return true;
}

ExecError CudaExecutor::bring_back(const OpContract& op, std::vector<HostBuffer>& /*work*/, int slot) {
  try {
    copy_written(op, slot, false);
    return {};
  } catch (const CudaError& e) {
    return fail(e, false);
  }
}

}  // namespace foundry
