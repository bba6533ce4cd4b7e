#!/usr/bin/env python3
"""Kernel Tuner's strategies beside foundry's on the same recorded space.

usage: python3 bench/kernel_tuner_strategies.py SESSION --op OP --template T
           [--dtype D] [--shape NAME=V ...] [--param NAME=V ...]
           [--budget N] [--repeats R] [--foundry build/foundry] [--templates DIR] [--markdown FILE]
           [--dry-run]

The session must hold every valid point of the case (a run with --n-per-case
at least the space's size on one case). `foundry export-kt` writes the case as
a Kernel Tuner cache file, which Kernel Tuner's simulation mode replays for
each of its strategies (max_fevals = budget, seeds 1..R); `foundry simulate
--template T` replays foundry's strategies on the same points. Both are scored
the same way: evaluations until the best found is within 1/3/5 % of the best
recorded (median over repeats), and the standardised score against random
search's exact expectation, which foundry's simulate prints per evaluation.
Nothing is compiled or run. Needs kernel_tuner (PyPI). --dry-run checks the
arguments, the session and foundry's commands, and replays nothing.
"""
import argparse
import json
import pathlib
import random
import statistics
import subprocess
import sys
import tempfile
import warnings

KT_STRATEGIES = ["random_sample", "genetic_algorithm", "dual_annealing", "greedy_ils", "simulated_annealing",
                 "diff_evo", "pso", "firefly_algorithm", "mls", "basinhopping", "hybrid_vndx", "adaptive_tabu_greywolf"]


def kt_trace(cache_path, strategy, budget, seed):
    """Best time (ms) after each new configuration Kernel Tuner evaluates."""
    import numpy as np
    from kernel_tuner.interface import tune_kernel
    c = json.loads(pathlib.Path(cache_path).read_text())
    keys = c["tune_params_keys"]
    invalid = {k for k, e in c["cache"].items() if e.get("time") == "InvalidConfig"}

    def allowed(p):
        return ",".join(str(p[k]) for k in keys) not in invalid

    np.random.seed(seed)
    random.seed(seed)
    results, _ = tune_kernel(c["kernel_name"], "", tuple(c["problem_size"]), [], c["tune_params"], cache=str(cache_path),
                             simulation_mode=True, restrictions=allowed, strategy=strategy,
                             strategy_options={"max_fevals": budget}, quiet=True)
    seen, trace, best = set(), [], float("inf")
    for r in results:
        if r is None:
            continue
        key = ",".join(str(r[k]) for k in keys)
        if key in seen:
            continue
        seen.add(key)
        t = r.get("time")
        if isinstance(t, (int, float)):
            best = min(best, float(t) * 1000.0)  # ms -> us, as foundry records
        trace.append(best)
        if len(trace) == budget:
            break
    return trace


def score(traces, best, worst, rnd, budget):
    """Same definitions as foundry's src/run/simulate.cpp (a failure counts as the worst correct cost)."""
    out = {}
    for pct in (1, 3, 5):
        evals = []
        for t in traces:
            k = next((i + 1 for i, v in enumerate(t) if v <= best * (1 + pct / 100)), budget + 1)
            evals.append(k)
        out[pct] = statistics.median(evals)
    total = 0.0
    for t in traces:
        s, n = 0.0, 0
        for k in range(1, budget + 1):
            fr = rnd[k - 1]
            if not fr > best:
                break
            f = t[min(k, len(t)) - 1] if t else float("inf")
            if f == float("inf"):
                f = worst
            s += (fr - f) / (fr - best)
            n += 1
        total += s / n if n else 1.0
    out["score"] = total / len(traces) if traces else 0.0
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("session", type=pathlib.Path)
    ap.add_argument("--op", required=True)
    ap.add_argument("--template", required=True)
    ap.add_argument("--dtype")
    ap.add_argument("--shape", action="append", default=[])
    ap.add_argument("--param", action="append", default=[])
    ap.add_argument("--budget", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--foundry", default="build/foundry")
    ap.add_argument("--templates")
    ap.add_argument("--kt-strategies", default=",".join(KT_STRATEGIES))
    ap.add_argument("--markdown", type=pathlib.Path)
    ap.add_argument("--dry-run", action="store_true", help="check arguments, session and foundry; replay nothing")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    if args.budget <= 0 or args.repeats <= 0:
        sys.exit("--budget and --repeats must be positive")
    if not (args.session / "attempts.ndjson").is_file():
        sys.exit(f"{args.session}: no attempts.ndjson (not a foundry session)")
    if not pathlib.Path(args.foundry).is_file():
        sys.exit(f"{args.foundry}: no such file (make build, or --foundry)")
    if not args.kt_strategies.strip(","):
        sys.exit("--kt-strategies: no strategy given")
    if args.dry_run:
        for cmd in ("export-kt", "simulate"):
            subprocess.run([args.foundry, cmd, "--help"], check=True, stdout=subprocess.DEVNULL)
        import importlib.util
        kt = "importable" if importlib.util.find_spec("kernel_tuner") else "not importable here (the replay needs it)"
        print(f"dry run: {args.op} {args.template} from {args.session}: foundry export-kt and simulate, then "
              f"{len(args.kt_strategies.split(','))} Kernel Tuner strategies x {args.repeats} seeds, budget {args.budget}; "
              f"kernel_tuner {kt}")
        return

    sel = (["--dtype", args.dtype] if args.dtype else []) + sum((["--shape", s] for s in args.shape), []) + \
        sum((["--param", p] for p in args.param), [])
    tmpl = ["--templates", args.templates] if args.templates else []
    with tempfile.TemporaryDirectory() as tmp:
        cache = pathlib.Path(tmp) / "cache.json"
        subprocess.run([args.foundry, "export-kt", str(args.session), "--op", args.op, "--template", args.template,
                        "--out", str(cache)] + sel + tmpl, check=True, stdout=sys.stderr)
        case = json.loads(cache.read_text())["foundry"]["case"]
        sim = subprocess.run([args.foundry, "simulate", str(args.session), "--op", args.op, "--template", args.template,
                              "--budget", str(args.budget), "--repeats", str(args.repeats), "--json"] + tmpl,
                             check=True, capture_output=True, text=True)
        cases = [c for c in json.loads(sim.stdout) if c["case"] == case]
        if not cases:
            sys.exit(f"foundry simulate found no complete case {json.dumps(case)}: record every valid point first")
        c = cases[0]
        rows = []
        for s in c["strategies"]:
            rows.append(("foundry " + s["name"], {p: s["within_pct"][str(p)]["median"] for p in (1, 3, 5)} | {"score": s["score"]}))
        for strategy in args.kt_strategies.split(","):
            traces = [kt_trace(cache, strategy, args.budget, seed) for seed in range(1, args.repeats + 1)]
            rows.append(("Kernel Tuner " + strategy, score(traces, c["best_us"], c["worst_us"], c["random_expectation"], args.budget)))

    fmt = lambda v: f">{args.budget}" if v > args.budget else f"{v:.0f}"
    lines = [f"{args.op} `{args.template}` on {json.dumps(case['shape'])} {case['dtype']}: {c['valid']} valid points, "
             f"best {c['best_us']:.3f} us; budget {args.budget}, median over {args.repeats} seeds",
             "", "| strategy | evals to 1 % | to 3 % | to 5 % | score |", "|---|---:|---:|---:|---:|"]
    for name, r in rows:
        lines.append(f"| {name} | {fmt(r[1])} | {fmt(r[3])} | {fmt(r[5])} | {r['score']:.3f} |")
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n")


if __name__ == "__main__":
    main()
