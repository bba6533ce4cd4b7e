#!/usr/bin/env python3
"""foundry's best CUDA variants against PyTorch eager and torch.compile.

usage: python3 bench/cuda_torch_peers.py SESSION_DIR --out results.json --markdown table.md
       [--ops rmsnorm softmax] [--dtypes f32 bf16] [--regime prefill] [--no-compile]
       [--time-budget 540] [--dry-run]

For each case (op, dtype, shape, params) with `ok` records of backend cuda in
SESSION_DIR/attempts.ndjson it takes foundry's best p50 (template, knobs,
GB/s, % of copy), builds the op in PyTorch on the GPU (bench/torch_ops.py:
same buffers, dtypes and math, inputs drawn like foundry draws them) and times
eager PyTorch and torch.compile (mode default, static shapes) by foundry's
method: CUDA events around each single call; before every timed call, outside
the events, an L2 flush (a 256 MiB buffer written); warm-up calls first; then
timed calls until the median's relative standard error is under 0.5 % (after
at least 10) or 200 calls or 0.5 s; the median is reported. The device-to-
device copy bandwidth (1 GiB tensor, bytes read + written over the median
time) is measured in the same process and printed.

By default a call is queued behind its flush, as foundry's single launch is:
host-side work shorter than the flush (about 70-90 us on an H200) is hidden
and the events measure the GPU. --sync-after-flush waits for the flush
first, so the events also count the host's launch work of each call (on an
H200, eager rmsnorm bf16 1x4096 went from 10 to 26 us, moe_pack from 17 to
75 us); use the mode that matches foundry's CUDA harness.

Every torch output (eager and compiled) is checked against a float64 run of
the same function (dropout: drop rate and survivor scaling); a failed check is
shown in the table, the timing is kept.

Results are written to --out after every case, so a run cut short keeps what
it measured; --time-budget stops starting new cases after that many seconds.
--dry-run lists the cases and exits without importing torch.
"""
from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import pathlib
import statistics
import sys
import time
import traceback

DTYPE_ORDER = {"f32": 0, "f16": 1, "bf16": 2}

# Size symbols in contract order (src/ops/<op>.cpp), for display and sorting;
# records store shapes with their keys sorted.
SIZE_SYMBOLS = {
    "rmsnorm": ["rows", "cols"], "layernorm": ["rows", "cols"], "softmax": ["rows", "cols"],
    "swiglu": ["rows", "cols"], "geglu": ["rows", "cols"], "dropout": ["rows", "cols"],
    "quantize": ["rows", "cols"], "dequantize": ["rows", "cols"], "topk": ["rows", "cols", "k"],
    "rope": ["tokens", "heads", "head_dim"], "gather": ["vocab", "n", "cols"], "scatter": ["vocab", "n", "cols"],
    "kv_append": ["tokens", "cache_slots", "width"], "moe_gating": ["tokens", "experts", "topk"],
    "moe_pack": ["tokens", "experts", "topk"], "moe_dispatch": ["tokens", "hidden", "topk"],
    "moe_combine": ["tokens", "hidden", "topk"], "grouped_gemm": ["total_rows", "experts", "k_dim", "n_dim"],
}


def ordered_shape(op: str, shape: dict) -> dict:
    order = SIZE_SYMBOLS.get(op, [])
    out = {k: shape[k] for k in order if k in shape}
    out.update({k: v for k, v in shape.items() if k not in out})
    return out


# ---------------------------------------------------------------- session records

def load_cases(session: pathlib.Path, backend: str, ops=None, dtypes=None, regime=None):
    """Best trusted record per (op, dtype, shape, params) of `backend`: ok, not
    suspect, and no failed confirmation (confirmations.ndjson beside the
    attempts: fresh seeds, repeated runs, sanitizers), as foundry's own best."""
    path = session / "attempts.ndjson"
    if not path.exists():
        raise SystemExit(f"{path}: no such file")
    failed = set()
    conf = session / "confirmations.ndjson"
    if conf.exists():
        with open(conf) as f:
            for line in f:
                try:
                    c = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if c.get("status") != "ok":
                    failed.add(c.get("id"))
    cases = {}
    bad_lines = 0
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                r = json.loads(line)
            except json.JSONDecodeError:
                bad_lines += 1
                continue
            if r.get("backend") != backend:
                continue
            if ops and r.get("op") not in ops:
                continue
            if dtypes and r.get("dtype") not in dtypes:
                continue
            if regime and r.get("regime") != regime:
                continue
            shape = ordered_shape(r.get("op"), r.get("shape") or {})
            params = r.get("params") or {}
            key = (r["op"], r["dtype"], json.dumps(shape, sort_keys=True), json.dumps(params, sort_keys=True))
            c = cases.setdefault(key, {"op": r["op"], "dtype": r["dtype"], "shape": shape, "params": params,
                                       "regime": r.get("regime"), "attempts": 0, "ok": 0, "best": None})
            c["attempts"] += 1
            if r.get("status") != "ok":
                continue
            lat = (r.get("bench") or {}).get("latency_us") or {}
            if lat.get("p50") is None:
                continue
            c["ok"] += 1
            if "suspect" in r.get("labels", []) or r.get("id") in failed:  # not believed: never the best
                continue
            if c["best"] is None or lat["p50"] < c["best"]["bench"]["latency_us"]["p50"]:
                c["best"] = r
    if bad_lines:
        print(f"warning: skipped {bad_lines} unparsable line(s) of {path}", file=sys.stderr)
    return [c for c in cases.values() if c["best"] is not None]


def shape_text(shape: dict) -> str:
    return " ".join(f"{k}={v}" for k, v in shape.items())


def params_text(params: dict) -> str:
    def fmt(v):
        if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return f"{v:g}" if isinstance(v, float) else str(v)
    return " ".join(f"{k}={fmt(v)}" for k, v in params.items())


def sort_key(c):
    return (c["op"], DTYPE_ORDER.get(c["dtype"], 9), c["dtype"], tuple(c["shape"].values()),
            json.dumps(c["params"], sort_keys=True))


# ---------------------------------------------------------------- statistics (src/core/stats.cpp)

def quantile(sorted_s, q):
    if not sorted_s:
        return 0.0
    pos = q * (len(sorted_s) - 1)
    lo = int(math.floor(pos))
    hi = min(lo + 1, len(sorted_s) - 1)
    return sorted_s[lo] + (sorted_s[hi] - sorted_s[lo]) * (pos - lo)


def summarize(samples):
    s = sorted(samples)
    n = len(s)
    if n == 0:
        return {"p50": None, "p90": None, "min": None, "mean": None, "stdev": None, "n": 0}
    mean = sum(s) / n
    stdev = statistics.stdev(s) if n > 1 else 0.0
    return {"p50": quantile(s, 0.5), "p90": quantile(s, 0.9), "min": s[0], "mean": mean, "stdev": stdev, "n": n}


def median_rse(st):
    if st["n"] < 2 or not st["p50"] or st["p50"] <= 0:
        return 1.0
    return 1.2533 * st["stdev"] / math.sqrt(st["n"]) / st["p50"]


# ---------------------------------------------------------------- timing

class Timer:
    """foundry's timed loop on a CUDA stream: warm-up calls, then per call an L2
    flush outside the events, start event, the call, stop event, wait; until the
    median's RSE < target (after min_repeats) or max_repeats or max_seconds."""

    def __init__(self, torch, device, args):
        self.torch = torch
        self.args = args
        self.flush_buf = torch.empty(int(args.flush_mib) << 20, dtype=torch.uint8, device=device)
        self.flush_value = 0
        self.e0 = torch.cuda.Event(enable_timing=True)
        self.e1 = torch.cuda.Event(enable_timing=True)

    def flush(self):
        self.flush_value = (self.flush_value + 1) & 0xFF
        self.flush_buf.fill_(self.flush_value)

    def time(self, call):
        torch, a = self.torch, self.args
        for _ in range(a.warmup):
            call()
        torch.cuda.synchronize()
        samples = []
        start = time.perf_counter()
        for _ in range(a.max_repeats):
            if a.flush_mib > 0:
                self.flush()
            if a.sync_after_flush:
                torch.cuda.synchronize()
            self.e0.record()
            call()
            self.e1.record()
            self.e1.synchronize()
            samples.append(self.e0.elapsed_time(self.e1) * 1000.0)  # ms -> us
            if len(samples) >= a.min_repeats:
                if median_rse(summarize(samples)) < a.target_rse:
                    break
                if time.perf_counter() - start > a.max_seconds:
                    break
        return summarize(samples)


def copy_bandwidth(torch, device, gib=1.0, runs=9):
    """Device-to-device copy of a `gib` GiB tensor: (read + written bytes) / median time."""
    n = int(gib * (1 << 30))
    src = torch.empty(n, dtype=torch.uint8, device=device)
    src.fill_(7)
    dst = torch.empty_like(src)
    e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    for _ in range(3):
        dst.copy_(src)
    torch.cuda.synchronize()
    times = []
    for _ in range(runs):
        e0.record()
        dst.copy_(src)
        e1.record()
        e1.synchronize()
        times.append(e0.elapsed_time(e1) / 1000.0)
    t = statistics.median(times)
    del src, dst
    torch.cuda.empty_cache()
    return 2.0 * n / t / 1e9, t


# ---------------------------------------------------------------- checking

def as_tuple(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def check_outputs(torch, ops, op, dtype, outs, ref_outs):
    """'' when outs agree with the float64 run, else why not."""
    outs, ref_outs = as_tuple(outs), as_tuple(ref_outs)
    if len(outs) != len(ref_outs):
        return f"{len(outs)} outputs, reference has {len(ref_outs)}"
    atol, rtol = ops.tolerance(op, dtype)
    for i, (o, r) in enumerate(zip(outs, ref_outs)):
        if tuple(o.shape) != tuple(r.shape):
            return f"output {i}: shape {tuple(o.shape)}, reference {tuple(r.shape)}"
        if o.is_floating_point():
            of, rf = o.double(), r.double()
            if not bool(torch.isfinite(of).all()):
                return f"output {i}: non-finite values"
            rms = float(rf.pow(2).mean().sqrt()) if rf.numel() else 0.0
            bound = atol * rms + rtol * rf.abs()
            bad = (of - rf).abs() > bound
            nbad = int(bad.sum())
            if nbad:
                err = float((of - rf).abs().max())
                return f"output {i}: {nbad} of {of.numel()} outside tolerance (max abs err {err:.3g}, rms {rms:.3g})"
        else:
            d = (o.long() - r.long()).abs()
            allowed = 1 if (op == "quantize" and i == 0) else 0  # a .5 tie may round either way
            nbad = int((d > allowed).sum())
            if nbad:
                return f"output {i}: {nbad} of {o.numel()} integers differ"
    return ""


def check_dropout(torch, ops, case, dtype, x, y):
    p = ops._f32(case.get("params", {}).get("p", 0.1))
    kept = y != 0
    n = y.numel()
    frac = 1.0 - float(kept.sum()) / max(n, 1)
    if n >= 10000 and abs(frac - p) > 0.02:
        return f"dropped {frac:.3f} of elements, p = {p:g}"
    atol, rtol = ops.tolerance("dropout", dtype)
    want = x.double()[kept] / (1.0 - p)
    got = y.double()[kept]
    if want.numel():
        rms = float(want.pow(2).mean().sqrt())
        nbad = int(((got - want).abs() > atol * rms + rtol * want.abs()).sum())
        if nbad:
            return f"{nbad} kept elements not scaled by 1/(1-p)"
    return ""


def check(torch, ops, op, case, dtype, fn, inputs, outs, ref_outs):
    try:
        if ops.CHECK.get(op) == "dropout":
            return check_dropout(torch, ops, case, dtype, inputs[0], as_tuple(outs)[0])
        if ref_outs is None:
            return "no reference"
        return check_outputs(torch, ops, op, dtype, outs, ref_outs)
    except Exception as e:  # a check that breaks must not stop the benchmark
        return f"check failed to run: {type(e).__name__}: {e}"


def short_error(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    first = next((l for l in text if l.strip()), "")
    return f"{type(e).__name__}: {first[:400]}"


# ---------------------------------------------------------------- one case

def run_case(torch, ops, timer, c, args, device):
    op, dname = c["op"], c["dtype"]
    dtype = ops.DTYPES[dname]
    best = c["best"]
    b = best["bench"]
    row = {
        "op": op, "dtype": dname, "shape": c["shape"], "params": c["params"], "regime": c.get("regime"),
        "foundry": {
            "p50_us": b["latency_us"]["p50"], "template_id": best.get("template_id"), "knobs": best.get("knobs"),
            "gbps": b.get("gbps"), "pct_of_copy": b.get("pct_of_copy"), "bytes": b.get("bytes"),
            "copy_gbps": (best.get("env") or {}).get("copy_gbps"), "variants_ok": c["ok"],
            "attempts": c["attempts"], "record_id": best.get("id"),
        },
        "eager": None, "compile": None, "note": None,
    }
    case = dict(c["shape"])
    case.update(c["params"])
    torch._dynamo.reset()
    try:
        fn, inputs = ops.make(op, case, dtype, device=device, seed=args.seed)
    except Exception as e:
        row["error"] = "setup: " + short_error(e)
        return row
    row["note"] = getattr(fn, "note", None)

    ref_outs = None
    if ops.CHECK.get(op) is None and not args.no_check:
        try:
            ref_outs = as_tuple(ops.reference_fn(fn)(*ops.reference_inputs(inputs)))
        except Exception as e:
            row["reference_error"] = short_error(e)
    bytes_ = b.get("bytes")

    def result(stats, outs, extra=None):
        r = {"latency_us": stats, "p50_us": stats["p50"]}
        if bytes_ and stats["p50"]:
            r["gbps"] = bytes_ / (stats["p50"] * 1e-6) / 1e9
        if not args.no_check:
            r["check"] = check(torch, ops, op, {"params": c["params"]}, dtype, fn, inputs, outs, ref_outs) or "ok"
        if extra:
            r.update(extra)
        return r

    # eager
    try:
        with torch.no_grad():
            outs = fn(*inputs)
            torch.cuda.synchronize()
            stats = timer.time(lambda: fn(*inputs))
        row["eager"] = result(stats, outs)
    except Exception as e:
        row["eager"] = {"error": short_error(e)}

    # torch.compile (mode default, static shapes; a fresh dynamo cache per case)
    if args.no_compile:
        row["compile"] = {"error": "not run (--no-compile)"}
    else:
        try:
            torch._dynamo.reset()
            cfn = torch.compile(fn, mode=None, dynamic=False)
            with torch.no_grad():
                t0 = time.perf_counter()
                outs = cfn(*inputs)
                torch.cuda.synchronize()
                compile_s = time.perf_counter() - t0
                stats = timer.time(lambda: cfn(*inputs))
            row["compile"] = result(stats, outs, {"compile_s": compile_s})
        except Exception as e:
            row["compile"] = {"error": short_error(e)}
            if args.verbose:
                traceback.print_exc()

    peers = [r["p50_us"] for r in (row["eager"], row["compile"]) if r and r.get("p50_us")]
    if peers and row["foundry"]["p50_us"]:
        row["ratio"] = min(peers) / row["foundry"]["p50_us"]
    del inputs, fn
    torch.cuda.empty_cache()
    return row


# ---------------------------------------------------------------- output

def fmt_us(v):
    return "-" if v is None else (f"{v:.1f}" if v >= 10 else f"{v:.2f}")


def peer_cell(r):
    if r is None or str(r.get("error", "")).startswith("not run"):
        return "-"
    if r.get("p50_us") is None:
        return "error"
    s = fmt_us(r["p50_us"])
    if r.get("check") not in (None, "ok"):
        s += " (check failed)"
    return s


def markdown(rows, meta):
    lines = []
    lines.append(f"device: {meta.get('device')}; torch {meta.get('torch')}, triton {meta.get('triton')}")
    lines.append(f"copy bandwidth (this process, 1 GiB device-to-device, read + write): "
                 f"**{meta['copy_gbps']:.1f} GB/s**; foundry session's copy bandwidth: "
                 f"{meta.get('foundry_copy_gbps') or '-'} GB/s")
    lines.append(f"timing: CUDA events around each call, {meta['flush_mib']} MiB L2 flush before each "
                 f"(outside the events{', then a device sync' if meta.get('sync_after_flush') else ''}), "
                 f"{meta['warmup']} warm-up, median of {meta['min_repeats']}..{meta['max_repeats']} calls "
                 f"(RSE < {meta['target_rse']}, cap {meta['max_seconds']} s)")
    lines.append("")
    lines.append("| op | dtype | shape (params) | foundry best (template, knobs) | foundry p50 µs | GB/s | % of copy "
                 "| torch eager p50 µs | torch.compile p50 µs | best torch ÷ foundry |")
    lines.append("|---|---|---|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        f = r["foundry"]
        shape = shape_text(r["shape"])
        if r["params"]:
            shape += f" ({params_text(r['params'])})"
        knobs = ", ".join(f"{k}={v}" for k, v in (f.get("knobs") or {}).items())
        tmpl = f"{f.get('template_id')} ({knobs})" if knobs else str(f.get("template_id"))
        gbps = "-" if f.get("gbps") is None else f"{f['gbps']:.1f}"
        pct = "-" if f.get("pct_of_copy") is None else f"{f['pct_of_copy']:.0f}%"
        if r.get("error"):
            eager = comp = "error"
        else:
            eager, comp = peer_cell(r.get("eager")), peer_cell(r.get("compile"))
        ratio = "-" if r.get("ratio") is None else (f"{r['ratio']:.2f}×" if r["ratio"] >= 0.1 else f"{r['ratio']:.2g}×")
        lines.append(f"| {r['op']} | {r['dtype']} | {shape} | {tmpl} | {fmt_us(f['p50_us'])} | {gbps} | {pct} "
                     f"| {eager} | {comp} | {ratio} |")
    notes = []
    for r in rows:
        label = f"{r['op']} {r['dtype']} {shape_text(r['shape'])}"
        if r.get("error"):
            notes.append(f"- {label}: {r['error']}")
        for kind in ("eager", "compile"):
            x = r.get(kind) or {}
            if x.get("error") and not x["error"].startswith("not run"):
                notes.append(f"- {label}, {kind}: {x['error']}")
            if x.get("check") not in (None, "ok"):
                notes.append(f"- {label}, {kind} check: {x['check']}")
        if r.get("note") and r["note"] != "loop of torch.mm over groups (host-side bounds)":
            notes.append(f"- {label}: {r['note']}")
        if r.get("reference_error"):
            notes.append(f"- {label}: float64 reference failed: {r['reference_error']}")
    if notes:
        lines.append("")
        lines.append("Notes:")
        lines.extend(notes)
    return "\n".join(lines) + "\n"


def write_json(path, meta, rows, skipped):
    if not path:
        return
    tmp = pathlib.Path(str(path) + ".tmp")
    tmp.write_text(json.dumps({"meta": meta, "rows": rows, "skipped": skipped}, indent=1, default=str))
    os.replace(tmp, path)


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("session", type=pathlib.Path, help="foundry session directory (holds attempts.ndjson)")
    ap.add_argument("--out", type=pathlib.Path, default=None, help="results JSON")
    ap.add_argument("--markdown", type=pathlib.Path, default=None, help="markdown table")
    ap.add_argument("--backend", default="cuda", help="records of this backend (default cuda)")
    ap.add_argument("--ops", nargs="*", default=None)
    ap.add_argument("--dtypes", nargs="*", default=None)
    ap.add_argument("--regime", default=None, help="only records of this regime (decode, prefill, odd)")
    ap.add_argument("--max-cases", type=int, default=0, help="at most this many cases (0: all)")
    ap.add_argument("--device", default="cuda:0")
    ap.add_argument("--seed", type=int, default=1, help="input seed")
    ap.add_argument("--no-compile", action="store_true", help="skip torch.compile")
    ap.add_argument("--no-check", action="store_true", help="skip the float64 checks")
    ap.add_argument("--time-budget", type=float, default=0, help="start no case after this many seconds (0: none)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--min-repeats", type=int, default=10)
    ap.add_argument("--max-repeats", type=int, default=200)
    ap.add_argument("--target-rse", type=float, default=0.005)
    ap.add_argument("--max-seconds", type=float, default=0.5)
    ap.add_argument("--flush-mib", type=int, default=256, help="L2 flush buffer written before each timed call")
    ap.add_argument("--sync-after-flush", action="store_true",
                    help="synchronize after the flush, so the start event is recorded on an idle GPU "
                         "(the default leaves the call queued behind the flush)")
    ap.add_argument("--copy-gib", type=float, default=1.0)
    ap.add_argument("--dry-run", action="store_true", help="list the cases and exit (no torch needed)")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    if args.min_repeats < 1 or args.max_repeats < args.min_repeats:
        ap.error("need 1 <= --min-repeats <= --max-repeats")

    cases = load_cases(args.session, args.backend, args.ops, args.dtypes, args.regime)
    cases.sort(key=sort_key)
    if args.max_cases:
        cases = cases[: args.max_cases]
    if not cases:
        print(f"no ok records of backend {args.backend} in {args.session / 'attempts.ndjson'}", file=sys.stderr)
    if args.dry_run:
        ops_path = pathlib.Path(__file__).resolve().parent / "torch_ops.py"  # what the real run imports
        compile(ops_path.read_text(), str(ops_path), "exec")  # its syntax, checked without torch
        for c in cases:
            f = c["best"]
            print(f"{c['op']:<13} {c['dtype']:<5} {shape_text(c['shape'])} {params_text(c['params'])}: "
                  f"best {f['bench']['latency_us']['p50']:.2f} us ({f.get('template_id')}), "
                  f"{c['ok']} ok of {c['attempts']}")
        print(f"{len(cases)} case(s)")
        return 0

    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    import torch
    import torch_ops as ops

    if not torch.cuda.is_available():
        raise SystemExit("torch sees no CUDA device")
    device = torch.device(args.device)
    torch.cuda.set_device(device)
    try:
        torch._dynamo.config.cache_size_limit = max(64, torch._dynamo.config.cache_size_limit)
    except Exception:
        pass
    try:
        import triton
        triton_version = triton.__version__
    except Exception:
        triton_version = None

    copy_gbps, copy_s = copy_bandwidth(torch, device, args.copy_gib)
    foundry_copy = next((c["best"].get("env", {}).get("copy_gbps") for c in cases
                         if c["best"].get("env", {}).get("copy_gbps")), None)
    meta = {
        "session": str(args.session), "backend": args.backend,
        "device": torch.cuda.get_device_name(device), "torch": torch.__version__, "triton": triton_version,
        "cuda": torch.version.cuda, "copy_gbps": copy_gbps, "copy_gib": args.copy_gib, "copy_median_s": copy_s,
        "foundry_copy_gbps": round(foundry_copy, 1) if foundry_copy else None,
        "flush_mib": args.flush_mib, "sync_after_flush": args.sync_after_flush, "warmup": args.warmup,
        "min_repeats": args.min_repeats, "max_repeats": args.max_repeats, "target_rse": args.target_rse,
        "max_seconds": args.max_seconds, "seed": args.seed, "compile_mode": "default (dynamic=False)",
        "allow_tf32": bool(torch.backends.cuda.matmul.allow_tf32),
        "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    print(f"copy bandwidth: {copy_gbps:.1f} GB/s (1 GiB device-to-device, read + write, median {copy_s * 1e3:.3f} ms)",
          flush=True)

    timer = Timer(torch, device, args)
    rows, skipped = [], []
    t_start = time.perf_counter()
    for i, c in enumerate(cases):
        label = f"{c['op']} {c['dtype']} {shape_text(c['shape'])} {params_text(c['params'])}"
        if args.time_budget and time.perf_counter() - t_start > args.time_budget:
            skipped.append(label)
            continue
        t0 = time.perf_counter()
        try:
            row = run_case(torch, ops, timer, c, args, device)
        except Exception as e:  # e.g. out of memory: keep going with the next case
            row = {"op": c["op"], "dtype": c["dtype"], "shape": c["shape"], "params": c["params"],
                   "foundry": {"p50_us": c["best"]["bench"]["latency_us"]["p50"],
                               "template_id": c["best"].get("template_id"), "knobs": c["best"].get("knobs"),
                               "gbps": c["best"]["bench"].get("gbps"),
                               "pct_of_copy": c["best"]["bench"].get("pct_of_copy")},
                   "error": short_error(e)}
            torch.cuda.empty_cache()
        rows.append(row)
        e = row.get("eager") or {}
        k = row.get("compile") or {}
        print(f"[{i + 1}/{len(cases)}] {label}: foundry {fmt_us(row['foundry']['p50_us'])} us, "
              f"eager {fmt_us(e.get('p50_us'))} us ({e.get('check', e.get('error', '-'))}), "
              f"compile {fmt_us(k.get('p50_us'))} us ({k.get('check', k.get('error', '-'))}) "
              f"[{time.perf_counter() - t0:.1f} s]", flush=True)
        write_json(args.out, meta, rows, skipped)

    meta["seconds"] = time.perf_counter() - t_start
    write_json(args.out, meta, rows, skipped)
    table = markdown(rows, meta)
    if skipped:
        table += f"\n{len(skipped)} case(s) not run (time budget): " + "; ".join(skipped) + "\n"
    print()
    print(table, end="")
    if args.markdown:
        args.markdown.write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
