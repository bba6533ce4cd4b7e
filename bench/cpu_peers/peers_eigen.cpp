// Eigen peers: each op written the way an Eigen user would, as array
// expressions over row-major maps of the harness's buffers, computing in
// float and storing in the buffer's type (float, Eigen::bfloat16 or
// Eigen::half, which share the harness's bit layouts). Eigen's array
// expressions are single-threaded, so rows (or tokens, indices) are split
// into one contiguous chunk per core on foundry's own thread pool.

// Our chunks are the parallelism; keep Eigen's OpenMP GEMM from nesting more
// threads inside them (this file is compiled with -fopenmp for oneDNN's sake).
#define EIGEN_DONT_PARALLELIZE
#include <Eigen/Core>
#include <unsupported/Eigen/SpecialFunctions>  // Array::erf

#include <cmath>
#include <map>
#include <numbers>
#include <type_traits>

#include <fmt/format.h>

#include "peers.hpp"

namespace foundry::peers {
namespace {

template <class S>
using Rows = Eigen::Array<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowF = Eigen::Array<float, 1, Eigen::Dynamic>;

// [rows, cols] views of a buffer; the element type must match its storage.
template <class S>
Eigen::Map<const Rows<S>> in(const HostBuffer& b, int64_t rows, int64_t cols) {
  return {static_cast<const S*>(b.data()), rows, cols};
}
template <class S>
Eigen::Map<Rows<S>> out(HostBuffer& b, int64_t rows, int64_t cols) {
  return {static_cast<S*>(b.data()), rows, cols};
}

template <class S>
Runner rmsnorm(const PeerContext& ctx) {
  const int64_t rows = ctx.dim("rows"), cols = ctx.dim("cols");
  const float eps = static_cast<float>(ctx.param("eps"));
  HostBuffer &xb = ctx.buf("x"), &wb = ctx.buf("w"), &yb = ctx.buf("y");
  ThreadPool& pool = ctx.pool;
  return {[=, &xb, &wb, &yb, &pool] {
            parallel_chunks(pool, rows, [&](int64_t r0, int64_t r1) {
              auto x = in<S>(xb, rows, cols);
              auto w = in<S>(wb, 1, cols).row(0).template cast<float>();
              auto y = out<S>(yb, rows, cols);
              for (int64_t r = r0; r < r1; ++r) {
                auto xr = x.row(r).template cast<float>();
                const float inv = 1.0f / std::sqrt(xr.square().mean() + eps);
                y.row(r) = (xr * inv * w).template cast<S>();
              }
            });
          },
          "row-wise array expressions"};
}

template <class S>
Runner layernorm(const PeerContext& ctx) {
  const int64_t rows = ctx.dim("rows"), cols = ctx.dim("cols");
  const float eps = static_cast<float>(ctx.param("eps"));
  HostBuffer &xb = ctx.buf("x"), &gb = ctx.buf("gamma"), &bb = ctx.buf("beta"), &yb = ctx.buf("y");
  ThreadPool& pool = ctx.pool;
  return {[=, &xb, &gb, &bb, &yb, &pool] {
            parallel_chunks(pool, rows, [&](int64_t r0, int64_t r1) {
              auto x = in<S>(xb, rows, cols);
              auto g = in<S>(gb, 1, cols).row(0).template cast<float>();
              auto b = in<S>(bb, 1, cols).row(0).template cast<float>();
              auto y = out<S>(yb, rows, cols);
              RowF centred(cols);  // x - mean, read twice
              for (int64_t r = r0; r < r1; ++r) {
                auto xr = x.row(r).template cast<float>();
                centred = xr - xr.mean();
                const float inv = 1.0f / std::sqrt(centred.square().mean() + eps);
                y.row(r) = (centred * inv * g + b).template cast<S>();
              }
            });
          },
          "row-wise array expressions (two-pass variance)"};
}

template <class S>
Runner softmax(const PeerContext& ctx) {
  const int64_t rows = ctx.dim("rows"), cols = ctx.dim("cols");
  HostBuffer &xb = ctx.buf("x"), &yb = ctx.buf("y");
  ThreadPool& pool = ctx.pool;
  return {[=, &xb, &yb, &pool] {
            parallel_chunks(pool, rows, [&](int64_t r0, int64_t r1) {
              auto x = in<S>(xb, rows, cols);
              auto y = out<S>(yb, rows, cols);
              RowF e(cols);  // exp(x - max), summed then scaled
              for (int64_t r = r0; r < r1; ++r) {
                auto xr = x.row(r).template cast<float>();
                e = (xr - xr.maxCoeff()).exp();
                y.row(r) = (e * (1.0f / e.sum())).template cast<S>();
              }
            });
          },
          "row-wise array expressions (max, exp, sum, scale)"};
}

// act(gate) * up over the flattened arrays, chunked by rows.
template <class S, class Act>
Runner gated(const PeerContext& ctx, Act act, std::string note) {
  const int64_t rows = ctx.dim("rows"), cols = ctx.dim("cols");
  HostBuffer &gb = ctx.buf("gate"), &ub = ctx.buf("up"), &yb = ctx.buf("y");
  ThreadPool& pool = ctx.pool;
  return {[=, &gb, &ub, &yb, &pool] {
            parallel_chunks(pool, rows, [&](int64_t r0, int64_t r1) {
              auto g = in<S>(gb, rows, cols).middleRows(r0, r1 - r0).template cast<float>();
              auto u = in<S>(ub, rows, cols).middleRows(r0, r1 - r0).template cast<float>();
              out<S>(yb, rows, cols).middleRows(r0, r1 - r0) = (act(g) * u).template cast<S>();
            });
          },
          std::move(note)};
}

template <class S>
Runner swiglu(const PeerContext& ctx) {
  return gated<S>(ctx, [](const auto& g) { return g / (1.0f + (-g).exp()); }, "g / (1 + exp(-g)) * up");
}

template <class S>
Runner geglu(const PeerContext& ctx) {
  if (ctx.param("approximate") != 0) {
    const float k = static_cast<float>(std::sqrt(2.0 / std::numbers::pi));
    return gated<S>(
        ctx, [k](const auto& g) { return 0.5f * g * (1.0f + (k * (g + 0.044715f * g.cube())).tanh()); },
        "0.5 g (1 + tanh(k (g + 0.044715 g^3))) * up");
  }
  const float r2 = static_cast<float>(1.0 / std::numbers::sqrt2);
  return gated<S>(ctx, [r2](const auto& g) { return 0.5f * g * (1.0f + (g * r2).erf()); },
                  "0.5 g (1 + erf(g / sqrt2)) * up");
}

template <class S>
Runner rope(const PeerContext& ctx) {
  const int64_t tokens = ctx.dim("tokens"), heads = ctx.dim("heads"), head_dim = ctx.dim("head_dim");
  const int64_t half = head_dim / 2;
  const double theta = static_cast<float>(ctx.param("theta"));  // kernels receive it as f32
  HostBuffer &xb = ctx.buf("x"), &pb = ctx.buf("positions"), &yb = ctx.buf("y");
  ThreadPool& pool = ctx.pool;
  return {[=, &xb, &pb, &yb, &pool] {
            parallel_chunks(pool, tokens, [&](int64_t t0, int64_t t1) {
              auto x = in<S>(xb, tokens * heads, head_dim);
              auto y = out<S>(yb, tokens * heads, head_dim);
              const auto* pos = static_cast<const int32_t*>(pb.data());
              RowF inv_freq(half), cs(half), sn(half);
              for (int64_t i = 0; i < half; ++i)
                inv_freq[i] = static_cast<float>(std::pow(theta, -2.0 * static_cast<double>(i) / static_cast<double>(head_dim)));
              for (int64_t t = t0; t < t1; ++t) {
                // One angle row per token, shared by its heads.
                const RowF a = static_cast<float>(pos[t]) * inv_freq;
                cs = a.cos();
                sn = a.sin();
                for (int64_t h = 0; h < heads; ++h) {
                  const int64_t r = t * heads + h;
                  auto lo = x.row(r).head(half).template cast<float>();
                  auto hi = x.row(r).tail(half).template cast<float>();
                  y.row(r).head(half) = (lo * cs - hi * sn).template cast<S>();
                  y.row(r).tail(half) = (hi * cs + lo * sn).template cast<S>();
                }
              }
            });
          },
          "per token: cos/sin of one angle row, then each head's two halves"};
}

template <class S>
Runner quantize(const PeerContext& ctx) {
  const int64_t rows = ctx.dim("rows"), cols = ctx.dim("cols");
  HostBuffer &xb = ctx.buf("x"), &qb = ctx.buf("q"), &sb = ctx.buf("scale");
  ThreadPool& pool = ctx.pool;
  return {[=, &xb, &qb, &sb, &pool] {
            parallel_chunks(pool, rows, [&](int64_t r0, int64_t r1) {
              auto x = in<S>(xb, rows, cols);
              auto q = out<int8_t>(qb, rows, cols);
              auto* scale = static_cast<float*>(sb.data());
              // Eigen has no vector float->int8 cast, so an expression ending in
              // one runs scalar (round() included); the float part goes through
              // a row buffer to stay vectorised.
              RowF qf(cols);
              for (int64_t r = r0; r < r1; ++r) {
                auto xr = x.row(r).template cast<float>();
                const float absmax = xr.abs().maxCoeff();
                scale[r] = absmax / 127.0f;
                if (absmax == 0) {  // the contract's rule: no division by 0
                  q.row(r).setZero();
                  continue;
                }
                qf = (xr / scale[r]).round().max(-127.0f).min(127.0f);
                q.row(r) = qf.template cast<int8_t>();
              }
            });
          },
          "row-wise abs().maxCoeff(), then round/clamp in float and cast to int8"};
}

template <class S>
Runner dequantize(const PeerContext& ctx) {
  const int64_t rows = ctx.dim("rows"), cols = ctx.dim("cols");
  HostBuffer &qb = ctx.buf("q"), &sb = ctx.buf("scale"), &yb = ctx.buf("y");
  ThreadPool& pool = ctx.pool;
  return {[=, &qb, &sb, &yb, &pool] {
            parallel_chunks(pool, rows, [&](int64_t r0, int64_t r1) {
              auto q = in<int8_t>(qb, rows, cols);
              auto y = out<S>(yb, rows, cols);
              const auto* scale = static_cast<const float*>(sb.data());
              for (int64_t r = r0; r < r1; ++r) y.row(r) = (q.row(r).template cast<float>() * scale[r]).template cast<S>();
            });
          },
          "row-wise cast<float>() * scale"};
}

// Row copies by index: out[i] = table[idx[i]] (gather) or dst[idx[i]] = src[i]
// (scatter); kv_append is two scatters into the caches.
template <class S>
void copy_rows(ThreadPool& pool, const HostBuffer& from, int64_t from_rows, HostBuffer& to, int64_t to_rows,
               int64_t cols, const HostBuffer& idx, int64_t n, bool scatter) {
  parallel_chunks(pool, n, [&](int64_t i0, int64_t i1) {
    auto src = in<S>(from, from_rows, cols);
    auto dst = out<S>(to, to_rows, cols);
    const auto* ix = static_cast<const int32_t*>(idx.data());
    for (int64_t i = i0; i < i1; ++i) {
      if (scatter) dst.row(ix[i]) = src.row(i);
      else dst.row(i) = src.row(ix[i]);
    }
  });
}

template <class S>
Runner gather(const PeerContext& ctx) {
  const int64_t vocab = ctx.dim("vocab"), n = ctx.dim("n"), cols = ctx.dim("cols");
  HostBuffer &tb = ctx.buf("table"), &ib = ctx.buf("idx"), &ob = ctx.buf("out");
  ThreadPool& pool = ctx.pool;
  return {[=, &tb, &ib, &ob, &pool] { copy_rows<S>(pool, tb, vocab, ob, n, cols, ib, n, false); },
          "out.row(i) = table.row(idx[i])"};
}

template <class S>
Runner scatter(const PeerContext& ctx) {
  const int64_t vocab = ctx.dim("vocab"), n = ctx.dim("n"), cols = ctx.dim("cols");
  HostBuffer &sb = ctx.buf("src"), &ib = ctx.buf("idx"), &db = ctx.buf("dst");
  ThreadPool& pool = ctx.pool;
  return {[=, &sb, &ib, &db, &pool] { copy_rows<S>(pool, sb, n, db, vocab, cols, ib, n, true); },
          "dst.row(idx[i]) = src.row(i)"};
}

template <class S>
Runner kv_append(const PeerContext& ctx) {
  const int64_t tokens = ctx.dim("tokens"), slots = ctx.dim("cache_slots"), width = ctx.dim("width");
  HostBuffer &kb = ctx.buf("k_new"), &vb = ctx.buf("v_new"), &ib = ctx.buf("slots");
  HostBuffer &kc = ctx.buf("k_cache"), &vc = ctx.buf("v_cache");
  ThreadPool& pool = ctx.pool;
  return {[=, &kb, &vb, &ib, &kc, &vc, &pool] {
            copy_rows<S>(pool, kb, tokens, kc, slots, width, ib, tokens, true);
            copy_rows<S>(pool, vb, tokens, vc, slots, width, ib, tokens, true);
          },
          "k_cache.row(slots[t]) = k_new.row(t), then the same for v"};
}

// y[group rows] = x[group rows] * w[e]: one Eigen GEMM per expert and row chunk.
// f32 only: Eigen's GEMM has no fast path for bf16/f16 scalars.
template <class S>
Runner grouped_gemm(const PeerContext& ctx) {
  if constexpr (!std::is_same_v<S, float>) {
    throw Unsupported("Eigen GEMM is float-only here");
  } else {
    const int64_t total = ctx.dim("total_rows"), experts = ctx.dim("experts");
    const int64_t k = ctx.dim("k_dim"), n = ctx.dim("n_dim");
    HostBuffer &xb = ctx.buf("x"), &wb = ctx.buf("w"), &ob = ctx.buf("expert_offsets"), &yb = ctx.buf("y");
    ThreadPool& pool = ctx.pool;
    return {[=, &xb, &wb, &ob, &yb, &pool] {
              parallel_chunks(pool, total, [&](int64_t r0, int64_t r1) {
                using M = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
                Eigen::Map<const M> x(static_cast<const float*>(xb.data()), total, k);
                Eigen::Map<M> y(static_cast<float*>(yb.data()), total, n);
                const auto* off = static_cast<const int32_t*>(ob.data());
                for (int64_t e = 0; e < experts; ++e) {
                  const int64_t a = std::max<int64_t>(off[e], r0), b = std::min<int64_t>(off[e + 1], r1);
                  if (a >= b) continue;
                  Eigen::Map<const M> w(static_cast<const float*>(wb.data()) + e * k * n, k, n);
                  y.middleRows(a, b - a).noalias() = x.middleRows(a, b - a) * w;
                }
              });
            },
            "per expert: y.middleRows(...) = x.middleRows(...) * w[e]"};
  }
}

// Picks the storage type from the case's dtype and instantiates the peer for it.
template <template <class> class Peer>
Runner for_dtype(const PeerContext& ctx) {
  switch (ctx.c.dtype) {
    case DType::f32: return Peer<float>{}(ctx);
    case DType::bf16: return Peer<Eigen::bfloat16>{}(ctx);
    case DType::f16: return Peer<Eigen::half>{}(ctx);
  }
  throw Unsupported("dtype");
}

#define FOUNDRY_EIGEN_PEER(op) \
  template <class S>           \
  struct op##_peer {           \
    Runner operator()(const PeerContext& ctx) const { return op<S>(ctx); } \
  };
FOUNDRY_EIGEN_PEER(rmsnorm)
FOUNDRY_EIGEN_PEER(layernorm)
FOUNDRY_EIGEN_PEER(softmax)
FOUNDRY_EIGEN_PEER(swiglu)
FOUNDRY_EIGEN_PEER(geglu)
FOUNDRY_EIGEN_PEER(rope)
FOUNDRY_EIGEN_PEER(quantize)
FOUNDRY_EIGEN_PEER(dequantize)
FOUNDRY_EIGEN_PEER(gather)
FOUNDRY_EIGEN_PEER(scatter)
FOUNDRY_EIGEN_PEER(kv_append)
FOUNDRY_EIGEN_PEER(grouped_gemm)
#undef FOUNDRY_EIGEN_PEER

const std::map<std::string, Runner (*)(const PeerContext&)>& factories() {
  static const std::map<std::string, Runner (*)(const PeerContext&)> f{
      {"rmsnorm", for_dtype<rmsnorm_peer>},       {"layernorm", for_dtype<layernorm_peer>},
      {"softmax", for_dtype<softmax_peer>},       {"swiglu", for_dtype<swiglu_peer>},
      {"geglu", for_dtype<geglu_peer>},           {"rope", for_dtype<rope_peer>},
      {"quantize", for_dtype<quantize_peer>},     {"dequantize", for_dtype<dequantize_peer>},
      {"gather", for_dtype<gather_peer>},         {"scatter", for_dtype<scatter_peer>},
      {"kv_append", for_dtype<kv_append_peer>},   {"grouped_gemm", for_dtype<grouped_gemm_peer>}};
  return f;
}

}  // namespace

Library eigen_library() {
  Library lib;
  lib.name = "Eigen";
  for (const auto& [op, f] : factories()) lib.ops.push_back(op);
  lib.describe = [](int pool_threads) {
    return fmt::format("Eigen {}.{}.{}, {} threads: rows split in contiguous chunks over foundry's ThreadPool "
                       "(Eigen's own threading is GEMM-only and off)",
                       EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION, EIGEN_MINOR_VERSION, pool_threads);
  };
  lib.prepare = [](const PeerContext& ctx) { return factories().at(ctx.op.name)(ctx); };
  return lib;
}

}  // namespace foundry::peers
