#!/usr/bin/env bash
# Records the exhaustive spaces that `foundry simulate` and
# bench/kernel_tuner_strategies.py replay (docs/BENCHMARKS.md, search
# strategies): every valid variant of one case, each over 300 points.
# usage: bench/record_spaces.sh [--dry-run] OUT_DIR cpu|cuda
#   cpu:  moe_combine f32 decode tokens=64 (444 points), rope f32 decode (312 points)
#   cuda: moe_combine bf16 prefill, 16384 tokens on the GPU (387 points; run on the GPU machine)
# Runs the bundle from `make device-bundle` (.device/) when present, else build/foundry.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
out=${1:?usage: bench/record_spaces.sh [--dry-run] OUT_DIR cpu|cuda}
which=${2:?usage: bench/record_spaces.sh [--dry-run] OUT_DIR cpu|cuda}
[ -x .device/foundry ] && export LD_LIBRARY_PATH=$PWD/.device/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
foundry=$(foundry_binary)
case "$which" in
  cpu)
    step mkdir -p "$out"
    foundry_step "$foundry" run --ops moe_combine --dtypes f32 --shapes decode --shape tokens=64 --n-per-case 1000 \
      --repeats 50 --session-dir "$out/cpu-moe_combine"
    foundry_step "$foundry" run --ops rope --dtypes f32 --shapes decode --shape tokens=8 --param theta=10000 \
      --n-per-case 1000 --repeats 50 --session-dir "$out/cpu-rope"
    ;;
  cuda)
    gpu_tool nvidia-smi
    step mkdir -p "$out"
    foundry_step "$foundry" run --backend cuda --ops moe_combine --dtypes bf16 --shapes prefill --n-per-case 1000 \
      --session-dir "$out/cuda-moe_combine"
    ;;
  *) echo "unknown space set: $which (cpu or cuda)" >&2; exit 2 ;;
esac
