// oneDNN peers: each op expressed as one oneDNN primitive (with a post-op
// where the op is "activation times a second tensor"), or as two optimised
// primitives where the one-primitive form only has oneDNN's reference code on
// this CPU. Primitives are created once; only their execution is timed, on
// memory objects that wrap the harness's buffers directly (no copies).
#include <omp.h>

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <oneapi/dnnl/dnnl.hpp>
#include <oneapi/dnnl/dnnl_debug.h>

#include "peers.hpp"

namespace foundry::peers {
namespace {

using dnnl::algorithm;
using dnnl::memory;
using dnnl::prop_kind;
using tag = memory::format_tag;

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

memory::data_type data_type(Elem e) {
  switch (e) {
    case Elem::f32: return memory::data_type::f32;
    case Elem::f16: return memory::data_type::f16;
    case Elem::bf16: return memory::data_type::bf16;
    case Elem::i32: return memory::data_type::s32;
    case Elem::i8: return memory::data_type::s8;
    case Elem::u8: return memory::data_type::u8;
  }
  throw Unsupported("element type");
}

// A plain row-major ([rows, cols] -> tag::ab) descriptor of a harness buffer.
memory::desc desc_of(const HostBuffer& b, const memory::dims& dims) {
  return memory::desc(dims, data_type(b.elem()), dims.size() == 1 ? tag::a : tag::ab);
}

memory wrap(HostBuffer& b, const memory::dims& dims) { return memory(desc_of(b, dims), engine(), b.data()); }

// oneDNN's reference (ref:*) and generic C++ reorder (simple:any) code: what
// it falls back to when no optimised kernel exists for this ISA and attribute.
bool is_generic(const std::string& impl) { return impl.rfind("ref", 0) == 0 || impl == "simple:any"; }

// One primitive, its arguments and the implementation oneDNN picked.
struct Step {
  dnnl::primitive prim;
  std::unordered_map<int, memory> args;
  std::string impl;
};

// A runner executing the steps in order; `keep` owns anything they point into.
Runner runner(std::vector<Step> steps, const std::string& what, std::shared_ptr<void> keep = nullptr) {
  auto stream = std::make_shared<dnnl::stream>(engine());
  std::vector<std::string> impls;
  bool generic = false;
  for (const auto& s : steps) {
    impls.push_back(s.impl);
    generic = generic || is_generic(s.impl);
  }
  return {[steps = std::move(steps), stream, keep] {
            for (const auto& s : steps) s.prim.execute(*stream, s.args);
            stream->wait();
          },
          fmt::format("{} [{}]", what, fmt::join(impls, ", ")), generic};
}

Runner softmax(const PeerContext& ctx) {
  const memory::dims d{ctx.dim("rows"), ctx.dim("cols")};
  memory x = wrap(ctx.buf("x"), d), y = wrap(ctx.buf("y"), d);
  dnnl::softmax_forward::primitive_desc pd({prop_kind::forward_inference, x.get_desc(), 1}, engine());
  return runner({{dnnl::softmax_forward(pd), {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, y}}, pd.impl_info_str()}},
                "softmax_forward axis 1");
}

Runner layernorm(const PeerContext& ctx) {
  const int64_t rows = ctx.dim("rows"), cols = ctx.dim("cols");
  const memory::dims d{rows, cols};
  memory x = wrap(ctx.buf("x"), d), y = wrap(ctx.buf("y"), d);
  // oneDNN 2.6 takes scale and shift in f32 whatever the data type; for other
  // dtypes gamma/beta are widened once here (weights, not activations), and
  // `keep` holds the f32 copies for as long as the runner lives.
  const bool widen = ctx.buf("gamma").elem() != Elem::f32;
  auto widened = std::make_shared<std::vector<float>>();
  memory gamma, beta;
  if (!widen) {
    gamma = wrap(ctx.buf("gamma"), {cols});
    beta = wrap(ctx.buf("beta"), {cols});
  } else {
    widened->resize(2 * static_cast<std::size_t>(cols));
    for (int64_t j = 0; j < cols; ++j) {
      (*widened)[j] = static_cast<float>(ctx.buf("gamma").get(j));
      (*widened)[cols + j] = static_cast<float>(ctx.buf("beta").get(j));
    }
    const memory::desc w({cols}, memory::data_type::f32, tag::a);
    gamma = memory(w, engine(), widened->data());
    beta = memory(w, engine(), widened->data() + cols);
  }
  const float eps = static_cast<float>(ctx.param("eps"));
  const auto flags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
  dnnl::layer_normalization_forward::primitive_desc pd(
      {prop_kind::forward_inference, x.get_desc(), eps, flags}, engine());
  return runner({{dnnl::layer_normalization_forward(pd),
                  {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, y}, {DNNL_ARG_SCALE, gamma}, {DNNL_ARG_SHIFT, beta}},
                  pd.impl_info_str()}},
                fmt::format("layer_normalization_forward use_scale|use_shift{}",
                            widen ? ", gamma/beta widened to f32 once" : ""),
                widened);
}

// act(gate) * up as one eltwise primitive with a binary_mul post-op. Where
// that fused form only has oneDNN's reference code on this CPU, two optimised
// primitives are used instead: act(gate) -> y, then y * up -> y in place.
Runner gated(const PeerContext& ctx, algorithm act, float alpha, const std::string& act_name) {
  const memory::dims d{ctx.dim("rows"), ctx.dim("cols")};
  memory gate = wrap(ctx.buf("gate"), d), up = wrap(ctx.buf("up"), d), y = wrap(ctx.buf("y"), d);
  const dnnl::eltwise_forward::desc act_desc(prop_kind::forward_inference, act, gate.get_desc(), alpha, 0.f);
  dnnl::post_ops po;
  po.append_binary(algorithm::binary_mul, up.get_desc());
  dnnl::primitive_attr attr;
  attr.set_post_ops(po);
  dnnl::eltwise_forward::primitive_desc fused(act_desc, attr, engine());
  Runner one = runner({{dnnl::eltwise_forward(fused),
                        {{DNNL_ARG_SRC, gate}, {DNNL_ARG_DST, y}, {DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1, up}},
                        fused.impl_info_str()}},
                      fmt::format("eltwise {} + binary_mul post-op", act_name));
  if (!one.generic) return one;
  dnnl::eltwise_forward::primitive_desc act_pd(act_desc, engine());
  dnnl::binary::primitive_desc mul_pd({algorithm::binary_mul, y.get_desc(), up.get_desc(), y.get_desc()}, engine());
  Runner two = runner({{dnnl::eltwise_forward(act_pd), {{DNNL_ARG_SRC, gate}, {DNNL_ARG_DST, y}}, act_pd.impl_info_str()},
                       {dnnl::binary(mul_pd), {{DNNL_ARG_SRC_0, y}, {DNNL_ARG_SRC_1, up}, {DNNL_ARG_DST, y}}, mul_pd.impl_info_str()}},
                      fmt::format("eltwise {}, then binary_mul in place (the fused post-op form is reference-only here)",
                                  act_name));
  return two.generic ? one : two;
}

Runner swiglu(const PeerContext& ctx) { return gated(ctx, algorithm::eltwise_swish, 1.f, "swish(alpha=1)"); }

Runner geglu(const PeerContext& ctx) {
  return ctx.param("approximate") != 0 ? gated(ctx, algorithm::eltwise_gelu_tanh, 0.f, "gelu_tanh")
                                       : gated(ctx, algorithm::eltwise_gelu_erf, 0.f, "gelu_erf");
}

// int8 -> dtype as a reorder with per-row output scales (mask bit 0 = rows),
// given at run time from the scale buffer, so nothing is baked in at creation.
// Where that reorder is generic code on this CPU (s8 -> bf16), an optimised
// pair through an f32 temporary is used instead if there is one.
Runner dequantize(const PeerContext& ctx) {
  const int64_t rows = ctx.dim("rows"), cols = ctx.dim("cols");
  const memory::dims d{rows, cols};
  memory q = wrap(ctx.buf("q"), d), y = wrap(ctx.buf("y"), d), scale = wrap(ctx.buf("scale"), {rows});
  dnnl::primitive_attr scaled;
  scaled.set_output_scales(1 << 0, {DNNL_RUNTIME_F32_VAL});
  const std::string dt = to_string(ctx.c.dtype);
  dnnl::reorder::primitive_desc direct(engine(), q.get_desc(), engine(), y.get_desc(), scaled);
  Runner one = runner({{dnnl::reorder(direct), {{DNNL_ARG_FROM, q}, {DNNL_ARG_TO, y}, {DNNL_ARG_ATTR_OUTPUT_SCALES, scale}},
                        direct.impl_info_str()}},
                      fmt::format("reorder s8->{} with runtime per-row output scales", dt));
  if (!one.generic || ctx.c.dtype == DType::f32) return one;
  auto tmp = std::make_shared<std::vector<float>>(static_cast<std::size_t>(rows * cols));
  memory t({d, memory::data_type::f32, tag::ab}, engine(), tmp->data());
  dnnl::reorder::primitive_desc widen(engine(), q.get_desc(), engine(), t.get_desc(), scaled);
  dnnl::reorder::primitive_desc narrow(engine(), t.get_desc(), engine(), y.get_desc());
  Runner two = runner({{dnnl::reorder(widen), {{DNNL_ARG_FROM, q}, {DNNL_ARG_TO, t}, {DNNL_ARG_ATTR_OUTPUT_SCALES, scale}},
                        widen.impl_info_str()},
                       {dnnl::reorder(narrow), {{DNNL_ARG_FROM, t}, {DNNL_ARG_TO, y}}, narrow.impl_info_str()}},
                      fmt::format("reorder s8->f32 with runtime per-row output scales, then f32->{} "
                                  "(the direct reorder is generic code here)", dt),
                      tmp);
  return two.generic ? one : two;
}

const std::map<std::string, Runner (*)(const PeerContext&)>& factories() {
  // quantize is left out: its per-row absmax needs max and min reductions
  // plus a scaled reorder (three primitives), and oneDNN 2.6 has no RMS norm.
  static const std::map<std::string, Runner (*)(const PeerContext&)> f{
      {"softmax", softmax}, {"layernorm", layernorm}, {"swiglu", swiglu},
      {"geglu", geglu},     {"dequantize", dequantize}};
  return f;
}

}  // namespace

Library onednn_library() {
  Library lib;
  lib.name = "oneDNN";
  for (const auto& [op, f] : factories()) lib.ops.push_back(op);
  lib.describe = [](int) {
    const dnnl_version_t* v = dnnl_version();
    return fmt::format("oneDNN {}.{}.{} (CPU runtime {}), ISA {}, {} OpenMP threads (OMP_NUM_THREADS; all cores by default)",
                       v->major, v->minor, v->patch,
                       v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : v->cpu_runtime == DNNL_RUNTIME_TBB ? "TBB" : "other",
                       dnnl_cpu_isa2str(static_cast<dnnl_cpu_isa_t>(dnnl::get_effective_cpu_isa())),
                       omp_get_max_threads());
  };
  lib.prepare = [](const PeerContext& ctx) -> Runner {
    try {
      return factories().at(ctx.op.name)(ctx);
    } catch (const dnnl::error& e) {
      // Creation fails with `unimplemented` for data types this CPU or build lacks.
      throw Unsupported(fmt::format("{} ({})", e.what(), dnnl_status2str(e.status)));
    }
  };
  return lib;
}

}  // namespace foundry::peers
