#!/usr/bin/env bash
# End-to-end check of the cuda backend on a GPU machine: the fault fixtures,
# then every shipped CUDA template on decode, prefill and odd shapes.
# usage: bench/cuda_smoke.sh OUT_DIR [VARIANTS_PER_OP]
# Runs the bundle from `make device-bundle` (.device/) when present, else build/foundry.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: bench/cuda_smoke.sh OUT_DIR [VARIANTS_PER_OP]}
n=${2:-12}
mkdir -p "$out"
if [ -x .device/foundry ]; then
  export LD_LIBRARY_PATH=$PWD/.device/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  foundry=.device/foundry
else
  foundry=build/foundry
fi
work=$(mktemp -d)
export FOUNDRY_CACHE_DIR=${FOUNDRY_CACHE_DIR:-$work/cache}
nvidia-smi -L || true
$foundry list --backends
echo "== fault fixtures"
$foundry run --backend cuda --templates tests/fixtures/templates --ops rmsnorm -n 9 --dtypes f32 \
  --shapes decode --bench-timeout 5 --session-dir "$work/faults"
cp "$work/faults/attempts.ndjson" "$out/faults.ndjson"
python3 bench/template_status.py "$work/faults"
echo "== every shipped template"
$foundry run --backend cuda -n "$n" --dtypes bf16,f32,f16 --session-dir "$work/all"
cp "$work/all/attempts.ndjson" "$out/all.ndjson"
python3 bench/template_status.py "$work/all"
