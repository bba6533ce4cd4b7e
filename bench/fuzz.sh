#!/usr/bin/env bash
# The long fuzz run: every libFuzzer target (fuzz/) for SECONDS each, a
# Markdown table of executions, corpus sizes and findings on stdout (the
# table in docs/RELIABILITY.md, "Fuzzing", comes from it).
# usage: bench/fuzz.sh [--dry-run] [SECONDS]   (SECONDS: 300)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
seconds=${1:-300}
need_int SECONDS "$seconds"
need_path fuzz/run.sh
report=$(mktemp)
trap 'rm -rf "$report"' EXIT
if [ "$dry_run" = 1 ]; then
  fuzz/run.sh --seconds "$seconds" --dry-run
  exit 0
fi
echo "| target | seconds | executions | corpus | finding |" > "$report"
echo "|---|---:|---:|---:|---|" >> "$report"
status=0
fuzz/run.sh --build-dir build-fuzz --seconds "$seconds" --report "$report" || status=$?
cat "$report"
exit "$status"
