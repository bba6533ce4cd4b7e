#!/usr/bin/env python3
"""Statuses per template of a foundry session, and the first error of each
failing status: shows at a glance which templates have ok variants.

usage: bench/template_status.py SESSION_DIR [--dry-run]
"""
import collections
import json
import pathlib
import sys


def main() -> None:
    args = sys.argv[1:]
    dry_run = "--dry-run" in args
    args = [a for a in args if a != "--dry-run"]
    if len(args) != 1 or args[0].startswith("-"):
        raise SystemExit(__doc__.strip())
    session = pathlib.Path(args[0])
    if not (session / "attempts.ndjson").is_file():
        raise SystemExit(f"{session}: no attempts.ndjson (not a foundry session)")
    if dry_run:
        print(f"dry run: would count statuses of {session / 'attempts.ndjson'}")
        return
    counts = collections.defaultdict(collections.Counter)
    first_error = {}
    best = {}
    with open(session / "attempts.ndjson") as f:
        for line in f:
            r = json.loads(line)
            key = (r["op"], r["template_id"])
            counts[key][r["status"]] += 1
            if r["status"] not in ("ok", "compiled") and (key, r["status"]) not in first_error:
                err = (r.get("error") or "") + " " + (r["build"].get("log") or "")[:300]
                first_error[(key, r["status"])] = f'{r["dtype"]} {r["shape"]} {r["knobs"]}: {err.strip()[:400]}'
            pct = r["bench"].get("pct_of_copy")
            if (r["status"] == "ok" and pct is not None and r["regime"] == "prefill"
                    and "suspect" not in r.get("labels", [])):
                best[key] = max(best.get(key, 0.0), pct)
    no_ok = []
    for key in sorted(counts):
        c = counts[key]
        tail = f'  best prefill {best[key]:.0f}% of copy' if key in best else ""
        print(f'{key[0]:<13} {key[1]:<26} ' + " ".join(f"{s}={n}" for s, n in sorted(c.items())) + tail)
        if c["ok"] == 0 and c["compiled"] == 0:
            no_ok.append(key)
    for (key, status), err in sorted(first_error.items()):
        print(f"  {key[1]} {status}: {err}")
    print(f"{len(counts)} templates, {len(no_ok)} without an ok or compiled variant: {no_ok}")


if __name__ == "__main__":
    main()
