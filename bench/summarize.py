#!/usr/bin/env python3
"""Best ok variant per (op, dtype, shape) of a foundry session, as a Markdown table.

usage: bench/summarize.py SESSION_DIR [--regime prefill] [--dry-run]
"""
import argparse
import json
import pathlib


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("session")
    ap.add_argument("--regime", default=None, help="only records of this shape regime")
    ap.add_argument("--dry-run", action="store_true", help="check the session's files; print no table")
    args = ap.parse_args()
    session = pathlib.Path(args.session)
    if args.regime not in (None, "decode", "prefill", "odd"):
        raise SystemExit(f"--regime {args.regime}: decode, prefill or odd")
    for name in ("session.json", "attempts.ndjson"):
        if not (session / name).is_file():
            raise SystemExit(f"{session}: no {name} (not a foundry session)")
    if args.dry_run:
        print(f"dry run: would summarize {session / 'attempts.ndjson'}")
        return
    meta = json.loads((session / "session.json").read_text())
    best = {}
    counts = {}
    with open(session / "attempts.ndjson") as f:
        for line in f:
            r = json.loads(line)
            if args.regime and r.get("regime") != args.regime:
                continue
            key = (r["op"], r["dtype"], json.dumps(r["shape"], sort_keys=True))
            c = counts.setdefault(key, {"n": 0, "ok": 0})
            c["n"] += 1
            if r["status"] != "ok":
                continue
            c["ok"] += 1
            if "suspect" in r.get("labels", []):  # its latency is not believed: never the best
                continue
            if key not in best or r["bench"]["latency_us"]["p50"] < best[key]["bench"]["latency_us"]["p50"]:
                best[key] = r
    print(f"device: {meta['device']}; copy bandwidth {meta['copy_gbps']:.2f} GB/s (read + write, memcpy)\n")
    print("| op | dtype | shape | variants (ok) | best template | knobs | p50 µs | GB/s | % of copy |")
    print("|---|---|---|---|---|---|---|---|---|")
    for key in sorted(counts):
        op, dtype, shape = key
        c = counts[key]
        shape_s = " ".join(f"{k}={v}" for k, v in json.loads(shape).items())
        r = best.get(key)
        if r is None:
            print(f"| {op} | {dtype} | {shape_s} | {c['n']} (0) | - | - | - | - | - |")
            continue
        b = r["bench"]
        knobs = " ".join(f"{k}={v}" for k, v in r["knobs"].items())
        print(f"| {op} | {dtype} | {shape_s} | {c['n']} ({c['ok']}) | {r['template_id']} | {knobs} | "
              f"{b['latency_us']['p50']:.1f} | {b['gbps']:.2f} | {b['pct_of_copy']:.1f} |")


if __name__ == "__main__":
    main()
