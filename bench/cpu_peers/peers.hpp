// Peer implementations of foundry ops in established CPU libraries (oneDNN,
// Eigen). A peer binds to the same buffers the harness hands a foundry
// variant, so its output can be judged by the op contract's own compare().
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "backends/cpu/cpu_runtime.hpp"
#include "ops/op_contract.hpp"

namespace foundry::peers {

// What a peer works on: one case of one op and the buffers (contract order)
// it reads its inputs from and writes its outputs to.
struct PeerContext {
  const OpContract& op;
  const Case& c;
  std::vector<HostBuffer>& work;
  ThreadPool& pool;

  HostBuffer& buf(const std::string& name) const { return work[op.buffer_index(name)]; }
  int64_t dim(const std::string& symbol) const { return op.dim(c, symbol); }
  double param(const std::string& p) const { return op.param(c, p); }
};

// A prepared peer: `run` is what gets timed (one complete op), `note` says
// how it was expressed (primitives, implementation picked), for the footnotes.
struct Runner {
  std::function<void()> run;
  std::string note;
  bool generic = false;  // the library fell back to unoptimised reference code
};

// Thrown while preparing a peer that this library, build or CPU cannot run
// (a dtype without support, a primitive with no implementation here).
struct Unsupported : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One peer library: which ops it has, how it runs in parallel, and the
// factory that binds a peer to a context (throws Unsupported).
struct Library {
  std::string name;
  std::vector<std::string> ops;
  // Version and threading for the header; `pool_threads` is the size of foundry's pool.
  std::function<std::string(int pool_threads)> describe;
  std::function<Runner(const PeerContext&)> prepare;
  bool has(const std::string& op) const { return std::find(ops.begin(), ops.end(), op) != ops.end(); }
};

Library onednn_library();
Library eigen_library();

// Runs f(begin, end) over [0, n) split into one contiguous chunk per thread of
// the pool: how the Eigen peers use every core, like foundry's variants do.
template <class F>
void parallel_chunks(ThreadPool& pool, int64_t n, const F& f) {
  struct Ctx {
    const F* f;
    int64_t n;
  } ctx{&f, n};
  const int threads = static_cast<int>(std::clamp<int64_t>(n, 1, pool.max_threads()));
  pool.run(
      threads,
      [](void* p, int t, int nt) {
        const auto* c = static_cast<const Ctx*>(p);
        const int64_t begin = c->n * t / nt, end = c->n * (t + 1) / nt;
        if (begin < end) (*c->f)(begin, end);
      },
      &ctx);
}

}  // namespace foundry::peers
