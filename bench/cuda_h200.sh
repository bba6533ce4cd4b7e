#!/usr/bin/env bash
# The H200 benchmark, in parts that each fit one device command.
# usage: bench/cuda_h200.sh [--dry-run] OUT_DIR search [N_PREFILL] [N_DECODE]  foundry search, bf16 (+ f32 norms/softmax), prefill+decode
#          (N_PREFILL and N_DECODE are variants per case; SEARCH_REGIMES="prefill" or "decode" runs one of the
#           two, so the halves fit two device commands, the second resuming the first's session in WORK)
#        bench/cuda_h200.sh OUT_DIR peers SEARCH_NDJSON        PyTorch eager and torch.compile on the same cases,
#                                                              then the measured ceilings (bench/cuda_ceilings.py)
#        bench/cuda_h200.sh OUT_DIR rate                       foundry vs Kernel Tuner, f32 rmsnorm_vec space
# Runs the bundle from `make device-bundle` (.device/) when present, else build/foundry.
# --dry-run: the cheap preparation runs, foundry's options and the Python
# scripts' own dry runs are checked, the GPU work is printed instead.
set -uo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
out=${1:?OUT_DIR}
part=${2:?search, peers or rate}
case $part in search | peers | rate) ;; *) bench_fail "unknown part $part (search, peers or rate)" ;; esac
need_tool python3
gpu_tool nvidia-smi
mkdir -p "$out"  # a dry run writes the Python scripts' dry-run results there
[ -x .device/foundry ] && export LD_LIBRARY_PATH=$PWD/.device/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
foundry=$(foundry_binary)
need_path "$foundry" "make build, or make device-bundle"
work=${FOUNDRY_BENCH_WORK:-$(mktemp -d)}
export FOUNDRY_CACHE_DIR=${FOUNDRY_CACHE_DIR:-$work/cache}
export PYTHONUNBUFFERED=1

case $part in
search)
  # A fixed budget per case (--n-per-case), so every case (each dtype, shape
  # and parameter set; dropout has 12 at prefill) gets N variants and the
  # strategy's share of the fast templates, default settings otherwise: the
  # bf16 prefill shapes, the bf16 decode shapes, then the norms and softmax
  # in f32. One run per op, each cut off after PREFILL_CASE_SECONDS /
  # DECODE_CASE_SECONDS per case (`foundry run --list-cases` counts them; a
  # run takes its cases one after another, so a cutoff leaves the last ones
  # empty) but at least PREFILL_OP_SECONDS / DECODE_OP_SECONDS: a slow op
  # cannot starve the rest; what was recorded stays, and a rerun with the
  # same session (FOUNDRY_BENCH_WORK) resumes.
  np=${3:-24}
  nd=${4:-12}
  need_int N_PREFILL "$np"
  need_int N_DECODE "$nd"
  need_path bench/template_status.py
  regimes=${SEARCH_REGIMES:-prefill decode}
  ops=$($foundry list --json | python3 -c "import json,sys; print(' '.join(o['name'] for o in json.load(sys.stdin) if o['templates'].get('cuda')))")
  for regime in $regimes; do
    case $regime in
    prefill) n=$np floor=${PREFILL_OP_SECONDS:-16} per_case=${PREFILL_CASE_SECONDS:-4} ;;
    decode) n=$nd floor=${DECODE_OP_SECONDS:-8} per_case=${DECODE_CASE_SECONDS:-2} ;;
    *) bench_fail "SEARCH_REGIMES: unknown regime $regime (prefill, decode)" ;;
    esac
    need_int PREFILL_CASE_SECONDS/DECODE_CASE_SECONDS "$per_case"
    for op in $ops; do
      cases=$("$foundry" run --backend cuda --compile-only --arch sm_90 --ops "$op" --n-per-case "$n" --dtypes bf16 \
        --shapes "$regime" --list-cases | wc -l)
      secs=$((cases * per_case > floor ? cases * per_case : floor))
      foundry_step timeout "$secs" "$foundry" run --backend cuda --ops "$op" --n-per-case "$n" --dtypes bf16 --shapes "$regime" \
        --session-dir "$work/search" | tail -2
    done
    foundry_step timeout "${SEARCH_F32_SECONDS:-45}" "$foundry" run --backend cuda --n-per-case "$n" --ops rmsnorm,layernorm,softmax \
      --dtypes f32 --shapes "$regime" --session-dir "$work/search" | tail -2
  done
  step cp "$work/search/attempts.ndjson" "$out/search.ndjson"
  step cp "$work/search/session.json" "$out/search_session.json"
  [ -e "$work/search/confirmations.ndjson" ] && step cp "$work/search/confirmations.ndjson" "$out/search_confirmations.ndjson"
  step python3 bench/template_status.py "$work/search"
  ;;
peers)
  ndjson=${3:?SEARCH_NDJSON}
  need_path "$ndjson"
  mkdir -p "$work/peers" && cp "$ndjson" "$work/peers/attempts.ndjson"
  # The confirm pass's outcomes, where the search left them beside its records: a failed one is never the best.
  conf=$(dirname "$ndjson")/search_confirmations.ndjson
  [ -e "$conf" ] && cp "$conf" "$work/peers/confirmations.ndjson"
  dry_step python3 bench/cuda_torch_peers.py "$work/peers" --regime decode --out "$out/peers_decode.json" \
    --markdown "$out/peers_decode.md" --time-budget "${PEERS_DECODE_SECONDS:-200}"
  dry_step python3 bench/cuda_torch_peers.py "$work/peers" --regime prefill --out "$out/peers_prefill.json" \
    --markdown "$out/peers_prefill.md" --time-budget "${PEERS_PREFILL_SECONDS:-240}"
  # Measured ceilings: a same-size device copy per memory-bound case, a dense mm for grouped_gemm.
  dry_step python3 bench/cuda_ceilings.py "$work/peers" --out "$out/ceilings.json" --markdown "$out/ceilings.md"
  ;;
rate)
  tmpl=templates/rmsnorm/cuda/rmsnorm_vec.cu
  need_path "$tmpl"
  need_path bench/kernel_tuner_compare.py
  # The space both tools search: rmsnorm_vec with 16-byte f32 vectors and up to
  # 512 threads, 48 configurations (3 THREADS x 4 ROWS x 1 VEC x 4 ITEMS).
  mkdir -p "$work/tmpl-only/rmsnorm/cuda"
  sed -e 's|^//   THREADS: .*|//   THREADS: [128, 256, 512]|' -e 's|^//   VEC: .*|//   VEC: [4]|' \
    -e 's|^//   ITEMS: .*|//   ITEMS: [1, 2, 4, 8]|' "$tmpl" \
    > "$work/tmpl-only/rmsnorm/cuda/rmsnorm_vec.cu"
  tmpl=$work/tmpl-only/rmsnorm/cuda/rmsnorm_vec.cu
  python3 - "$tmpl" "$work/space.json" <<'PY'
import json, sys, yaml
lines = open(sys.argv[1]).read().split("\n")
fm = [l[3:] if l.startswith("// ") else l[2:] for l in lines[1:lines.index("// ---", 1)]]
json.dump(yaml.safe_load("\n".join(fm)), open(sys.argv[2], "w"))
PY
  $foundry render --backend cuda --templates "$work/tmpl-only" --template rmsnorm_vec --dtype f32 --macros \
    > "$work/rmsnorm_vec.cu"
  space=$(python3 -c "import json,math; k=json.load(open('$work/space.json'))['knobs']; print(math.prod(len(v) for v in k.values()))")
  # Each tool starts cold: foundry with an empty compile cache, Kernel Tuner with
  # an empty CUDA JIT cache (it compiles to PTX, which the driver turns into SASS
  # and caches under CUDA_CACHE_PATH). Then, at decode, each again with the
  # cache its first run left ("warm": re-tuning the same space).
  foundry_rate() {  # REGIME TAG CACHE_DIR
    rm -rf "$work/rate-$2"
    start=$(date +%s.%N)
    FOUNDRY_CACHE_DIR=$3 foundry_step "$foundry" run --backend cuda --ops rmsnorm --dtypes f32 --shapes "$1" \
      -n "$space" --templates "$work/tmpl-only" --session-dir "$work/rate-$2" 2>&1 | tail -3
    end=$(date +%s.%N)
    step python3 - "$work/rate-$2" "$start" "$end" "$1" "$out/foundry_rate_$2.json" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1] + "/attempts.ndjson")]
wall = float(sys.argv[3]) - float(sys.argv[2])
evaluated = [r for r in recs if r["status"] not in ("invalid_knobs",)]
shapes = sorted({json.dumps(r["shape"]) for r in recs})
ms = lambda k: sum((r["harness_ms"] or {}).get(k, 0) for r in recs) / 1e3
res = {"regime": sys.argv[4], "records": len(recs), "evaluated": len(evaluated), "wall_s": wall,
       "variants_per_s": len(evaluated) / wall, "shapes": shapes,
       "statuses": {s: sum(r["status"] == s for r in recs) for s in {r["status"] for r in recs}},
       "cache_hits": sum(bool(r["build"].get("cache_hit")) for r in recs),
       "build_s": sum(r["build"]["ms"] or 0 for r in recs) / 1e3,
       "prepare_s": ms("prepare"), "check_s": ms("check"), "bench_s": ms("bench"),
       "compare_s": ms("compare"), "transfer_s": ms("transfer")}
json.dump(res, open(sys.argv[5], "w"), indent=1)
print("foundry", json.dumps(res))
PY
  }
  kt_rate() {  # ROWS COLS TAG JIT_CACHE_DIR (the driver needs the directory to exist)
    mkdir -p "$4"
    CUDA_CACHE_PATH=$4 dry_step python3 bench/kernel_tuner_compare.py --source "$work/rmsnorm_vec.cu" --space "$work/space.json" \
      --rows "$1" --cols "$2" --lang nvcuda --keep-going --out "$out/kernel_tuner_$3.json" 2>&1 | tail -5
  }
  rm -rf "$work/cache-prefill" "$work/cache-decode" "$work/jit-prefill" "$work/jit-decode"
  foundry_rate prefill prefill "$work/cache-prefill"
  kt_rate 16384 4096 prefill "$work/jit-prefill"
  foundry_rate decode decode "$work/cache-decode"
  kt_rate 8 4096 decode "$work/jit-decode"
  foundry_rate decode decode_warm "$work/cache-decode"
  kt_rate 8 4096 decode_warm "$work/jit-decode"
  ;;
esac
