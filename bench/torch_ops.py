"""PyTorch versions of foundry's 18 ops, for bench/cuda_torch_peers.py.

One function per op, named after it: ``op(case, dtype, device="cuda", seed=1)``
takes ``case``, a dict holding the op's size symbols and scalar params (as in
an attempts.ndjson record's ``shape`` and ``params``), and the torch dtype of
the candidate (the ``T`` of the contract), and returns ``(fn, inputs)``:
``fn(*inputs)`` runs the op once on the GPU and returns its outputs (one
tensor or a tuple, in contract order; for ``inout`` buffers the mutated
buffer itself).

Each function follows src/ops/<op>.cpp: the same buffers (shape, element type,
fixed i32/i8/f32 types included), the same size symbols and params, the same
math (float32 arithmetic for f16/bf16 data, float32 params rounded as the
kernels receive them) and inputs drawn like foundry's generator draws them
(distributions, index validity: distinct where the contract demands it, MoE
routings with skew and empty experts). The values differ from foundry's own
Philox stream; dropout uses torch's RNG, not foundry's mask.

Where PyTorch has a library op for the whole thing (F.rms_norm, F.layer_norm,
torch.softmax, torch.topk, ...) that is what eager PyTorch is measured with;
the rest is the short composition a PyTorch user would write. ``fn`` is also
what torch.compile compiles.

Checking: ``reference_inputs(inputs)`` casts the floating-point inputs to
float64; running ``reference_fn(fn)`` on them computes the same function in
float64 (every ``fn`` keeps float64 inputs in float64), which
cuda_torch_peers.py compares against. ``CHECK`` names the ops that need
another check (dropout is random) and ``tolerance`` gives the bound.
"""
from __future__ import annotations

import math
import struct

import torch
import torch.nn.functional as F

DTYPES = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}

# Positions of rope are drawn from [0, 8192) (src/ops/rope.cpp kMaxPosition).
MAX_POSITION = 8192


# ---------------------------------------------------------------- helpers

def _f32(v) -> float:
    """A scalar as the kernels receive it: rounded to float32."""
    return struct.unpack("f", struct.pack("f", float(v)))[0]


def _int(case: dict, name: str) -> int:
    if name not in case:
        raise KeyError(f"case has no '{name}' (has {sorted(case)})")
    return int(round(float(case[name])))


def _acc_dtype(t: torch.Tensor) -> torch.dtype:
    """Arithmetic type: float32 for f16/bf16/f32 data, float64 stays float64."""
    return torch.float64 if t.dtype == torch.float64 else torch.float32


def _acc(t: torch.Tensor) -> torch.Tensor:
    return t.to(_acc_dtype(t))


class _Gen:
    """Seeded draws: float data on the GPU (fast), indices on the CPU (exact,
    deterministic), both from `seed`. Floats are drawn in float32 and then
    rounded to the candidate dtype, so every dtype sees the same stream."""

    def __init__(self, device, seed: int):
        self.device = torch.device(device)
        self.cpu = torch.Generator(device="cpu")
        self.cpu.manual_seed(int(seed))
        if self.device.type == "cuda":
            self.dev = torch.Generator(device=self.device)
            self.dev.manual_seed(int(seed) + 1)
        else:
            self.dev = self.cpu

    def normal(self, shape, dtype, scale=1.0, mean=0.0) -> torch.Tensor:
        t = torch.randn(shape, generator=self.dev, device=self.device, dtype=torch.float32)
        if scale != 1.0:
            t.mul_(scale)
        if mean != 0.0:
            t.add_(mean)
        return t.to(dtype)

    def uniform(self, shape, lo=0.0, hi=1.0, dtype=torch.float32) -> torch.Tensor:
        t = torch.rand(shape, generator=self.dev, device=self.device, dtype=torch.float32)
        return (t * (hi - lo) + lo).to(dtype)

    def to_device(self, t: torch.Tensor) -> torch.Tensor:
        return t.to(self.device).contiguous()


def _rank_value(q: torch.Tensor) -> torch.Tensor:
    """sampling::rank_value: the |q|-th integer with at most 8 significant bits,
    signed like q (exact in bf16, f16 and f32 times a power of two)."""
    a = q.abs()
    big = (128 + a % 128).to(torch.float64) * torch.pow(2.0, (a // 128 - 1).to(torch.float64))
    v = torch.where(a < 256, a.to(torch.float64), big)
    return torch.where(q < 0, -v, v)


def _rank_step(count: int, magnitude: float = 1.0) -> float:
    span = int(math.floor(math.log2(max(count, 1))))
    mag = int(round(math.log2(magnitude)))
    return math.ldexp(1.0, 2 - span + mag)


def _distinct_rows(g: _Gen, rows: int, cols: int, lowest: torch.Tensor, step: float) -> torch.Tensor:
    """Rows of distinct, exactly representable values (sampling::fill_distinct_row):
    row r holds step * rank_value(lowest[r] + j), j = 0..cols-1, in random order.
    Returned in float64 on the CPU."""
    perm = torch.argsort(torch.rand(rows, cols, generator=g.cpu), dim=1)
    return step * _rank_value(lowest.view(rows, 1).to(torch.int64) + perm)


def _routes(g: _Gen, tokens: int, experts: int, topk: int) -> torch.Tensor:
    """sampling::sample_routes: every token picks topk distinct experts with
    log-normal popularity; about one expert in eight is never picked while at
    least topk stay available. [tokens, topk] int64 on the CPU."""
    if topk > experts:
        raise ValueError(f"topk {topk} exceeds experts {experts}")
    pop = torch.exp(torch.randn(experts, generator=g.cpu, dtype=torch.float64))
    u = torch.rand(experts, generator=g.cpu, dtype=torch.float64)
    usable = experts
    for e in range(experts):
        if usable > topk and float(u[e]) < 0.125:
            pop[e] = 0.0
            usable -= 1
    weights = pop.expand(tokens, experts).contiguous()
    return torch.multinomial(weights, topk, replacement=False, generator=g.cpu)


def _pack(ids_flat: torch.Tensor, experts: int):
    """sampling::pack_routes: (offsets [experts+1], sorted_slots) of a stable
    counting sort of the flat expert ids, int64 on the CPU."""
    counts = torch.bincount(ids_flat, minlength=experts)
    offsets = torch.zeros(experts + 1, dtype=torch.int64)
    offsets[1:] = torch.cumsum(counts, 0)
    sorted_slots = torch.sort(ids_flat, stable=True).indices
    return offsets, sorted_slots


def _sample_sorted_slots(g: _Gen, tokens: int, topk: int) -> torch.Tensor:
    """sampling::sample_sorted_slots: the packing of a 64-expert routing."""
    experts = max(64, topk)
    return _pack(_routes(g, tokens, experts, topk).reshape(-1), experts)[1]


def _distinct_indices(g: _Gen, count: int, rng: int) -> torch.Tensor:
    if count > rng:
        raise ValueError(f"{count} distinct indices from [0, {rng})")
    return torch.randperm(rng, generator=g.cpu)[:count]


# ---------------------------------------------------------------- class B: row reductions

def rmsnorm(case, dtype, device="cuda", seed=1):
    """y[r,c] = x[r,c] / sqrt(mean_c(x[r,:]^2) + eps) * w[c]."""
    rows, cols = _int(case, "rows"), _int(case, "cols")
    eps = _f32(case.get("eps", 1e-5))
    g = _Gen(device, seed)
    x = g.normal((rows, cols), dtype)
    w = g.normal((cols,), dtype, scale=0.5, mean=1.0)
    fused = hasattr(F, "rms_norm")

    def fn(x, w):
        if fused:
            return F.rms_norm(x, (x.shape[-1],), w, eps)
        xf = _acc(x)
        y = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps) * _acc(w)
        return y.to(x.dtype)

    return fn, [x, w]


def layernorm(case, dtype, device="cuda", seed=1):
    """y = (x - mean) / sqrt(var + eps) * gamma + beta, biased variance."""
    rows, cols = _int(case, "rows"), _int(case, "cols")
    eps = _f32(case.get("eps", 1e-5))
    g = _Gen(device, seed)
    x = g.normal((rows, cols), dtype)
    gamma = g.normal((cols,), dtype, scale=0.5, mean=1.0)
    beta = g.normal((cols,), dtype, scale=0.5)

    def fn(x, gamma, beta):
        return F.layer_norm(x, (x.shape[-1],), gamma, beta, eps)

    return fn, [x, gamma, beta]


def softmax(case, dtype, device="cuda", seed=1):
    """y = exp(x - max) / sum(exp(x - max)) over each row."""
    rows, cols = _int(case, "rows"), _int(case, "cols")
    g = _Gen(device, seed)
    x = g.normal((rows, cols), dtype, scale=1.0, mean=2.0)

    def fn(x):
        return torch.softmax(x, dim=-1)

    return fn, [x]


def topk(case, dtype, device="cuda", seed=1):
    """values[r,:] = the k largest of x[r,:], descending; indices (i32) point at them."""
    rows, cols, k = _int(case, "rows"), _int(case, "cols"), _int(case, "k")
    g = _Gen(device, seed)
    # Rows cycle through mixed signs, all negative and all nonnegative, values distinct.
    lowest = torch.tensor([-(cols // 2), -cols, 0], dtype=torch.int64).repeat((rows + 2) // 3)[:rows]
    x = g.to_device(_distinct_rows(g, rows, cols, lowest, _rank_step(cols)).to(dtype))

    def fn(x):
        values, indices = torch.topk(x, k, dim=-1, largest=True, sorted=True)
        return values, indices.to(torch.int32)

    return fn, [x]


# ---------------------------------------------------------------- class C: gated activations

def swiglu(case, dtype, device="cuda", seed=1):
    """y = silu(gate) * up."""
    rows, cols = _int(case, "rows"), _int(case, "cols")
    g = _Gen(device, seed)
    gate = g.normal((rows, cols), dtype)
    up = g.normal((rows, cols), dtype)

    def fn(gate, up):
        return F.silu(gate) * up

    return fn, [gate, up]


def geglu(case, dtype, device="cuda", seed=1):
    """y = gelu(gate) * up; approximate = 0: erf form, 1: tanh form."""
    rows, cols = _int(case, "rows"), _int(case, "cols")
    approximate = "tanh" if _int(case, "approximate") != 0 else "none"
    g = _Gen(device, seed)
    gate = g.normal((rows, cols), dtype)
    up = g.normal((rows, cols), dtype)

    def fn(gate, up):
        return F.gelu(gate, approximate=approximate) * up

    return fn, [gate, up]


# ---------------------------------------------------------------- class E: rope

def rope(case, dtype, device="cuda", seed=1):
    """NeoX rotary embedding: element i pairs with i + head_dim/2,
    a = positions[t] * theta^(-2i/head_dim), computed from theta on every call
    (theta is a param of the contract, so the frequencies are part of the work)."""
    tokens, heads, head_dim = _int(case, "tokens"), _int(case, "heads"), _int(case, "head_dim")
    theta = _f32(case.get("theta", 10000.0))
    if head_dim % 2:
        raise ValueError(f"rope: head_dim {head_dim} is odd")
    half = head_dim // 2
    g = _Gen(device, seed)
    x = g.normal((tokens, heads, head_dim), dtype)
    positions = g.to_device(torch.randint(0, MAX_POSITION, (tokens,), generator=g.cpu, dtype=torch.int32))

    def fn(x, positions):
        acc = _acc_dtype(x)
        i = torch.arange(half, device=x.device, dtype=acc)
        inv_freq = torch.pow(theta, i * (-2.0 / head_dim))
        angle = positions.to(acc)[:, None] * inv_freq[None, :]
        cos = torch.cos(angle)[:, None, :]
        sin = torch.sin(angle)[:, None, :]
        xf = x.to(acc)
        lo, hi = xf[..., :half], xf[..., half:]
        return torch.cat((lo * cos - hi * sin, hi * cos + lo * sin), dim=-1).to(x.dtype)

    return fn, [x, positions]


# ---------------------------------------------------------------- class A: elementwise

def dropout(case, dtype, device="cuda", seed=1):
    """Inverted dropout: zero with probability p, survivors scaled by 1/(1-p).
    torch's own Philox RNG, seeded once with the case's seed."""
    rows, cols = _int(case, "rows"), _int(case, "cols")
    p = _f32(case.get("p", 0.1))
    g = _Gen(device, seed)
    x = g.normal((rows, cols), dtype)
    torch.manual_seed(int(round(float(case.get("seed", 1)))) % (2**63))

    def fn(x):
        return F.dropout(x, p=p, training=True)

    return fn, [x]


# ---------------------------------------------------------------- class F: int8 quantisation

def quantize(case, dtype, device="cuda", seed=1):
    """Per-row absmax int8: scale[r] = absmax/127 (f32), q = clamp(round half away
    from zero (x / scale), -127, 127), a zero row gets scale 0 and q 0."""
    rows, cols = _int(case, "rows"), _int(case, "cols")
    g = _Gen(device, seed)
    x = g.normal((rows, cols), dtype)

    def fn(x):
        xf = _acc(x)
        scale = (xf.abs().amax(dim=-1) / 127.0).to(torch.float32)
        safe = torch.where(scale == 0, torch.ones_like(scale), scale).to(xf.dtype)
        v = xf / safe[:, None]
        q = (torch.sign(v) * torch.floor(v.abs() + 0.5)).clamp(-127, 127).to(torch.int8)
        return q, scale

    return fn, [x]


def dequantize(case, dtype, device="cuda", seed=1):
    """y[r,c] = q[r,c] * scale[r], q int8, scale f32, y in the candidate dtype."""
    rows, cols = _int(case, "rows"), _int(case, "cols")
    g = _Gen(device, seed)
    q = g.to_device(torch.randint(-127, 128, (rows, cols), generator=g.cpu, dtype=torch.int8))
    scale = torch.pow(10.0, g.uniform((rows,), -3.0, 0.0))

    def build(out_dtype):
        def fn(q, scale):
            acc = torch.float64 if out_dtype == torch.float64 else torch.float32
            return (q.to(acc) * scale.to(acc)[:, None]).to(out_dtype)
        return fn

    fn = build(dtype)
    fn.reference = build(torch.float64)
    return fn, [q, scale]


# ---------------------------------------------------------------- class G: gather / scatter

def gather(case, dtype, device="cuda", seed=1):
    """out[i,:] = table[idx[i],:], idx i32 uniform over the table (repeats allowed)."""
    vocab, n, cols = _int(case, "vocab"), _int(case, "n"), _int(case, "cols")
    g = _Gen(device, seed)
    table = g.normal((vocab, cols), dtype)
    idx = g.to_device(torch.randint(0, vocab, (n,), generator=g.cpu, dtype=torch.int32))

    def fn(table, idx):
        return torch.index_select(table, 0, idx)

    return fn, [table, idx]


def scatter(case, dtype, device="cuda", seed=1):
    """dst[idx[i],:] = src[i,:] at distinct idx (i32); other rows unchanged (inout)."""
    vocab, n, cols = _int(case, "vocab"), _int(case, "n"), _int(case, "cols")
    g = _Gen(device, seed)
    src = g.normal((n, cols), dtype)
    idx = g.to_device(_distinct_indices(g, n, vocab).to(torch.int32))
    dst = g.normal((vocab, cols), dtype)

    def fn(src, idx, dst):
        dst.index_put_((idx,), src)
        return dst

    return fn, [src, idx, dst]


# ---------------------------------------------------------------- class I: KV cache

def kv_append(case, dtype, device="cuda", seed=1):
    """k_cache[slots[t],:] = k_new[t,:], v_cache likewise, distinct slots (i32)."""
    tokens, cache_slots, width = _int(case, "tokens"), _int(case, "cache_slots"), _int(case, "width")
    g = _Gen(device, seed)
    k_new = g.normal((tokens, width), dtype)
    v_new = g.normal((tokens, width), dtype)
    slots = g.to_device(_distinct_indices(g, tokens, cache_slots).to(torch.int32))
    k_cache = g.normal((cache_slots, width), dtype)
    v_cache = g.normal((cache_slots, width), dtype)

    def fn(k_new, v_new, slots, k_cache, v_cache):
        k_cache.index_put_((slots,), k_new)
        v_cache.index_put_((slots,), v_new)
        return k_cache, v_cache

    return fn, [k_new, v_new, slots, k_cache, v_cache]


# ---------------------------------------------------------------- class H: MoE

def moe_gating(case, dtype, device="cuda", seed=1):
    """p = softmax(logits[t,:]); the topk experts of largest p, descending, ids i32;
    weights f32 = their p, over the chosen experts' sum when renormalize = 1."""
    tokens, experts, k = _int(case, "tokens"), _int(case, "experts"), _int(case, "topk")
    renormalize = _int(case, "renormalize") != 0
    g = _Gen(device, seed)
    lowest = torch.full((tokens,), -(experts // 2), dtype=torch.int64)
    logits = g.to_device(_distinct_rows(g, tokens, experts, lowest, _rank_step(experts)).to(dtype))

    def fn(logits):
        acc = _acc_dtype(logits)
        p = torch.softmax(logits.to(acc), dim=-1)
        weights, ids = torch.topk(p, k, dim=-1, largest=True, sorted=True)
        if renormalize:
            weights = weights / weights.sum(dim=-1, keepdim=True)
        if acc != torch.float64:
            weights = weights.to(torch.float32)
        return weights, ids.to(torch.int32)

    return fn, [logits]


def moe_pack(case, dtype, device="cuda", seed=1):
    """Stable counting sort of the slots s = t*topk + j by expert id:
    expert_offsets[e] = #{s : expert_ids[s] < e} (i32, experts+1 entries) and
    sorted_slots (i32) grouped by expert, increasing within a group."""
    tokens, experts, k = _int(case, "tokens"), _int(case, "experts"), _int(case, "topk")
    g = _Gen(device, seed)
    expert_ids = g.to_device(_routes(g, tokens, experts, k).to(torch.int32))
    # The group boundaries 0..experts: a constant of the shape, made once.
    bounds = torch.arange(experts + 1, dtype=torch.int32, device=g.device)

    def fn(expert_ids):
        flat = expert_ids.reshape(-1)
        keys, order = torch.sort(flat, stable=True)
        offsets = torch.searchsorted(keys, bounds, out_int32=True)
        return offsets, order.to(torch.int32)

    return fn, [expert_ids]


def moe_dispatch(case, dtype, device="cuda", seed=1):
    """x_sorted[i,:] = x[sorted_slots[i] / topk, :] (integer division)."""
    tokens, hidden, k = _int(case, "tokens"), _int(case, "hidden"), _int(case, "topk")
    g = _Gen(device, seed)
    x = g.normal((tokens, hidden), dtype)
    sorted_slots = g.to_device(_sample_sorted_slots(g, tokens, k).to(torch.int32))

    def fn(x, sorted_slots):
        return torch.index_select(x, 0, torch.div(sorted_slots, k, rounding_mode="floor"))

    return fn, [x, sorted_slots]


def moe_combine(case, dtype, device="cuda", seed=1):
    """out[t,:] = sum_j weights[t,j] * y_sorted[slot_to_row[t*topk+j], :],
    weights f32 (positive, summing to 1 per token), slot_to_row i32 (the inverse
    of a moe_pack order), accumulated in float32."""
    tokens, hidden, k = _int(case, "tokens"), _int(case, "hidden"), _int(case, "topk")
    g = _Gen(device, seed)
    y_sorted = g.normal((tokens * k, hidden), dtype)
    sorted_slots = _sample_sorted_slots(g, tokens, k)
    slot_to_row = torch.empty_like(sorted_slots)
    slot_to_row[sorted_slots] = torch.arange(sorted_slots.numel(), dtype=sorted_slots.dtype)
    slot_to_row = g.to_device(slot_to_row.to(torch.int32))
    w = 0.25 + torch.rand(tokens, k, generator=g.cpu, dtype=torch.float64)
    weights = g.to_device((w / w.sum(dim=1, keepdim=True)).to(torch.float32))

    def fn(y_sorted, slot_to_row, weights):
        acc = _acc_dtype(y_sorted)
        rows = torch.index_select(y_sorted, 0, slot_to_row).view(tokens, k, -1)
        out = (rows.to(acc) * weights.to(acc).unsqueeze(-1)).sum(dim=1)
        return out.to(y_sorted.dtype)

    return fn, [y_sorted, slot_to_row, weights]


# ---------------------------------------------------------------- class D: grouped GEMM

def grouped_gemm(case, dtype, device="cuda", seed=1, allow_grouped_mm=True):
    """y[i,:] = x[i,:] @ w[e] for expert_offsets[e] <= i < expert_offsets[e+1].

    bf16 uses torch._grouped_mm (one launch, reads the device offsets) when this
    torch has it and it agrees with the loop on these inputs; otherwise, and for
    f32/f16, one torch.mm per non-empty group into the rows of y, with the group
    bounds known on the host (as a PyTorch MoE layer has them after its routing
    step). float32 matmuls use full float32 (torch's default, no TF32), as the
    contract's f32 tolerance assumes."""
    total_rows, experts = _int(case, "total_rows"), _int(case, "experts")
    k_dim, n_dim = _int(case, "k_dim"), _int(case, "n_dim")
    g = _Gen(device, seed)
    x = g.normal((total_rows, k_dim), dtype)
    w = g.normal((experts, k_dim, n_dim), dtype, scale=1.0 / math.sqrt(k_dim))
    offsets, _ = _pack(_routes(g, total_rows, experts, 1).reshape(-1), experts)
    bounds = [int(v) for v in offsets.tolist()]
    expert_offsets = g.to_device(offsets.to(torch.int32))

    def loop(x, w):
        y = torch.empty((total_rows, n_dim), dtype=x.dtype, device=x.device)
        for e in range(experts):
            a, b = bounds[e], bounds[e + 1]
            if a < b:
                torch.mm(x[a:b], w[e], out=y[a:b])
        return y

    use_gmm = False
    note = "loop of torch.mm over groups (host-side bounds)"
    if allow_grouped_mm and dtype == torch.bfloat16 and hasattr(torch, "_grouped_mm"):
        try:
            y_gmm = torch._grouped_mm(x, w, offs=expert_offsets[1:])
            y_loop = loop(x, w)
            err = (y_gmm.float() - y_loop.float()).abs().max().item()
            scale = y_loop.float().pow(2).mean().sqrt().item()
            if err <= 0.05 * max(scale, 1e-30):
                use_gmm = True
                note = "torch._grouped_mm"
            else:
                note += f" (torch._grouped_mm disagreed: max err {err:.3g})"
        except Exception as e:  # unsupported layout, alignment or arch
            note += f" (torch._grouped_mm failed: {type(e).__name__}: {str(e).splitlines()[0][:120] if str(e) else ''})"

    def fn(x, w, expert_offsets):
        if use_gmm and x.dtype == torch.bfloat16:
            return torch._grouped_mm(x, w, offs=expert_offsets[1:])
        return loop(x, w)

    fn.note = note
    return fn, [x, w, expert_offsets]


# ---------------------------------------------------------------- registry and checking

OPS = {
    f.__name__: f
    for f in (rmsnorm, layernorm, softmax, swiglu, geglu, rope, dropout, quantize, dequantize, gather,
              scatter, kv_append, moe_gating, moe_dispatch, moe_combine, moe_pack, topk, grouped_gemm)
}

# How an op's outputs are checked: "reference" (float64 run of the same
# function), "dropout" (mask rate and survivor scaling).
CHECK = {"dropout": "dropout"}


def make(op: str, case: dict, dtype, device="cuda", seed=1, **kw):
    """(fn, inputs) for op; dtype is a torch dtype or a foundry name (f32, f16, bf16)."""
    if op not in OPS:
        raise KeyError(f"no torch implementation of op '{op}'")
    if isinstance(dtype, str):
        dtype = DTYPES[dtype]
    return OPS[op](case, dtype, device=device, seed=seed, **kw)


def reference_inputs(inputs):
    """Floating-point inputs as float64 copies; other inputs as they are
    (index inputs are never written). inout buffers are copied, so a
    reference run never touches the timed buffers."""
    return [t.to(torch.float64) if t.is_floating_point() else t for t in inputs]


def reference_fn(fn):
    return getattr(fn, "reference", fn)


def tolerance(op: str, dtype) -> tuple:
    """(atol relative to the reference's RMS, rtol) for float outputs."""
    if isinstance(dtype, str):
        dtype = DTYPES[dtype]
    base = {torch.float32: (1e-4, 1e-4), torch.float16: (5e-3, 5e-3), torch.bfloat16: (3e-2, 3e-2)}[dtype]
    if op == "rope" and dtype != torch.bfloat16:
        # float32 angles pos * inv_freq are off by ~1e-3 rad near position 8192.
        return (4e-3, 4e-3)
    if op == "grouped_gemm" and dtype == torch.float32:
        return (1e-3, 1e-3)
    return base
