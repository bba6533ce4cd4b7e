#!/usr/bin/env bash
# Best CPU variant per op at the prefill shape, against the machine's measured
# copy bandwidth. usage: bench/cpu_prefill.sh [--dry-run] [SESSION_DIR] [VARIANTS_PER_OP]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
dir=${1:-runs/bench-cpu-prefill-$(date +%Y%m%d-%H%M%S)}
n=${2:-32}
need_int VARIANTS_PER_OP "$n"
need_tool make
need_tool python3
need_path bench/summarize.py
foundry=${FOUNDRY:-$PWD/build/foundry}
[ -n "${FOUNDRY:-}" ] || step make build > /dev/null
foundry_step "$foundry" run --ops rmsnorm softmax swiglu -n "$n" --shapes prefill --dtypes f32 bf16 --session-dir "$dir"
step python3 bench/summarize.py "$dir" --regime prefill
