#!/usr/bin/env python3
"""Measured ceilings for foundry's best CUDA variants, timed the way foundry
times (bench/cuda_torch_peers.py's Timer: L2 flush outside CUDA events around
one call, 3 warm-ups, median until RSE < 0.5 %).

  memory-bound cases: a device-to-device copy moving the same bytes as the
  case (read + written, as the record counts them). Small transfers do not
  reach the 1 GiB copy's bandwidth; the same-size copy is what a kernel that
  only moves the case's bytes could do at best.

  grouped_gemm cases: a dense bf16 torch.mm with the same FLOPs (total_rows x
  k_dim x n_dim), timed per call like the rest, and by CUDA-graph replay of
  20 back-to-back calls (no flush, launch cost hidden: cuBLAS's best rate
  for that size), beside torch._grouped_mm of the real groups.

  bench/cuda_ceilings.py SESSION --ops gather kv_append moe_combine grouped_gemm \
      --regime prefill --dtypes bf16 --out ceilings.json --markdown ceilings.md
"""
from __future__ import annotations

import argparse
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import cuda_torch_peers as peers  # noqa: E402


def copy_ceiling(torch, timer, nbytes):
    """Median us of dst.copy_(src) moving `nbytes` (half read, half written)."""
    half = max(int(nbytes // 2), 1)
    src = torch.empty(half, dtype=torch.uint8, device="cuda")
    src.fill_(3)
    dst = torch.empty_like(src)
    st = timer.time(lambda: dst.copy_(src))
    del src, dst
    return st


def graph_rate(torch, call, reps=20, rounds=9):
    """Per-call us of `reps` calls captured in one CUDA graph, replayed: median of `rounds`."""
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(3):
            call()
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        for _ in range(reps):
            call()
    for _ in range(3):
        g.replay()
    torch.cuda.synchronize()
    e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    times = []
    for _ in range(rounds):
        e0.record()
        g.replay()
        e1.record()
        e1.synchronize()
        times.append(e0.elapsed_time(e1) * 1000.0 / reps)
    times.sort()
    return times[len(times) // 2]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("session", type=pathlib.Path)
    ap.add_argument("--ops", nargs="*", default=["gather", "kv_append", "moe_combine", "grouped_gemm"])
    ap.add_argument("--dtypes", nargs="*", default=["bf16"])
    ap.add_argument("--regime", default="prefill")
    ap.add_argument("--out", type=pathlib.Path, default=None)
    ap.add_argument("--markdown", type=pathlib.Path, default=None)
    ap.add_argument("--flush-mib", type=int, default=256)
    ap.add_argument("--dry-run", action="store_true", help="list the cases and exit (no torch needed)")
    args = ap.parse_args()
    cases = peers.load_cases(args.session, "cuda", args.ops, args.dtypes, args.regime)
    if args.dry_run:
        for c in cases:
            print(c["op"], c["dtype"], json.dumps(c["shape"]), json.dumps(c["params"]))
        print(f"dry run: {len(cases)} case(s) would be measured against a same-size copy or a dense mm")
        return
    import torch

    targs = argparse.Namespace(warmup=3, min_repeats=10, max_repeats=200, target_rse=0.005, max_seconds=0.5,
                               flush_mib=args.flush_mib, sync_after_flush=False)
    timer = peers.Timer(torch, "cuda", targs)
    copy_gbps, _ = peers.copy_bandwidth(torch, "cuda")
    rows = []
    for c in sorted(cases, key=peers.sort_key):
        best = c["best"]
        bench = best.get("bench") or {}
        p50 = bench["latency_us"]["p50"]
        row = {"op": c["op"], "dtype": c["dtype"], "shape": c["shape"], "params": c["params"],
               "template": best.get("template_id"), "foundry_p50_us": p50}
        if c["op"] == "grouped_gemm":
            s = c["shape"]
            m, k, n = int(s["total_rows"]), int(s["k_dim"]), int(s["n_dim"])
            flops = 2.0 * m * k * n
            dt = torch.bfloat16 if c["dtype"] == "bf16" else torch.float16 if c["dtype"] == "f16" else torch.float32
            a = torch.randn(m, k, device="cuda", dtype=dt)
            b = torch.randn(k, n, device="cuda", dtype=dt)
            mm = lambda: torch.mm(a, b)  # noqa: E731
            per_call = timer.time(mm)["p50"]
            replay = graph_rate(torch, mm)
            row.update({"flops": flops, "dense_mm_p50_us": per_call, "dense_mm_graph_us": replay,
                        "foundry_tflops": flops / p50 / 1e6, "dense_graph_tflops": flops / replay / 1e6,
                        "foundry_pct_of_dense_graph": 100.0 * replay / p50,
                        "foundry_pct_of_dense_per_call": 100.0 * per_call / p50})
            del a, b
        else:
            nbytes = bench.get("bytes")
            if not nbytes:
                continue
            st = copy_ceiling(torch, timer, nbytes)
            row.update({"bytes": nbytes, "copy_p50_us": st["p50"], "copy_gbps": nbytes / st["p50"] / 1e3,
                        "copy_pct_of_1gib": 100.0 * nbytes / st["p50"] / 1e3 / copy_gbps,
                        "foundry_pct_of_1gib": 100.0 * nbytes / p50 / 1e3 / copy_gbps,
                        "foundry_pct_of_same_size_copy": 100.0 * st["p50"] / p50})
        rows.append(row)
        print(json.dumps(row), flush=True)
    meta = {"copy_gbps_1gib": copy_gbps, "device": torch.cuda.get_device_name(0), "torch": torch.__version__}
    if args.out:
        args.out.write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
    if args.markdown:
        lines = [f"1 GiB device copy: {copy_gbps:.0f} GB/s ({meta['device']}, torch {meta['torch']})", "",
                 "| op | dtype | shape | foundry best | foundry p50 us | same-size copy us | copy % of 1 GiB | "
                 "foundry % of 1 GiB | foundry % of same-size copy |", "|---|---|---|---|---:|---:|---:|---:|---:|"]
        for r in rows:
            if r["op"] == "grouped_gemm":
                continue
            lines.append(f"| {r['op']} | {r['dtype']} | {peers.shape_text(r['shape'])} | {r['template']} | "
                         f"{r['foundry_p50_us']:.1f} | {r['copy_p50_us']:.1f} | {r['copy_pct_of_1gib']:.0f} | "
                         f"{r['foundry_pct_of_1gib']:.0f} | {r['foundry_pct_of_same_size_copy']:.0f} |")
        gemm = [r for r in rows if r["op"] == "grouped_gemm"]
        if gemm:
            lines += ["", "| dtype | shape | foundry best | foundry p50 us | TFLOP/s | dense mm per call us | "
                      "dense mm graph replay us | dense TFLOP/s (graph) | foundry % of dense (graph) |",
                      "|---|---|---|---:|---:|---:|---:|---:|---:|"]
            for r in gemm:
                lines.append(f"| {r['dtype']} | {peers.shape_text(r['shape'])} | {r['template']} | "
                             f"{r['foundry_p50_us']:.1f} | {r['foundry_tflops']:.0f} | {r['dense_mm_p50_us']:.1f} | "
                             f"{r['dense_mm_graph_us']:.1f} | {r['dense_graph_tflops']:.0f} | "
                             f"{r['foundry_pct_of_dense_graph']:.0f} |")
        args.markdown.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
