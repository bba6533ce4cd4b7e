#!/usr/bin/env bash
# End-to-end check of the cuda backend on a GPU machine: the fault fixtures,
# then every shipped CUDA template on decode, prefill and odd shapes.
# usage: bench/cuda_smoke.sh [--dry-run] OUT_DIR [VARIANTS_PER_OP]
# Runs the bundle from `make device-bundle` (.device/) when present, else build/foundry.
set -uo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
out=${1:?usage: bench/cuda_smoke.sh [--dry-run] OUT_DIR [VARIANTS_PER_OP]}
n=${2:-12}
need_int VARIANTS_PER_OP "$n"
need_tool python3
need_path tests/fixtures/templates
need_path bench/template_status.py
gpu_tool nvidia-smi
[ -x .device/foundry ] && export LD_LIBRARY_PATH=$PWD/.device/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
foundry=$(foundry_binary)
step mkdir -p "$out"
work=$(mktemp -d)
export FOUNDRY_CACHE_DIR=${FOUNDRY_CACHE_DIR:-$work/cache}
step nvidia-smi -L || true
step "$foundry" list --backends
echo "== fault fixtures"
foundry_step "$foundry" run --backend cuda --templates tests/fixtures/templates --ops rmsnorm -n 9 --dtypes f32 \
  --shapes decode --bench-timeout 5 --session-dir "$work/faults"
step cp "$work/faults/attempts.ndjson" "$out/faults.ndjson"
step python3 bench/template_status.py "$work/faults"
echo "== every shipped template"
foundry_step "$foundry" run --backend cuda -n "$n" --dtypes bf16,f32,f16 --session-dir "$work/all"
step cp "$work/all/attempts.ndjson" "$out/all.ndjson"
step python3 bench/template_status.py "$work/all"
