#!/usr/bin/env bash
# Best CPU variant per op at the prefill shape, against the machine's measured
# copy bandwidth. usage: bench/cpu_prefill.sh [SESSION_DIR] [VARIANTS_PER_OP]
set -euo pipefail
cd "$(dirname "$0")/.."
make build > /dev/null
dir=${1:-runs/bench-cpu-prefill-$(date +%Y%m%d-%H%M%S)}
n=${2:-32}
./build/foundry run --ops rmsnorm softmax swiglu -n "$n" --shapes prefill --dtypes f32 bf16 --session-dir "$dir"
python3 bench/summarize.py "$dir" --regime prefill
