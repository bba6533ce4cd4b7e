#!/usr/bin/env bash
# Every bench script's --dry-run passes with good arguments and fails with bad
# ones, and the options the scripts pass to foundry are options it has.
# usage: tests/bench_dry_runs.sh FOUNDRY_BINARY TESTS_BINARY  (foundry_cpu_peers beside the first)
set -uo pipefail
cd "$(dirname "$0")/.."
export FOUNDRY=${1:?usage: tests/bench_dry_runs.sh FOUNDRY_BINARY TESTS_BINARY}
export FOUNDRY_TESTS=${2:?usage: tests/bench_dry_runs.sh FOUNDRY_BINARY TESTS_BINARY}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# expect ok|refused PATTERN CMD...: CMD must exit 0 (ok) or not (refused), and print PATTERN.
expect() {
  local want=$1 pattern=$2 out got=ok
  shift 2
  out=$("$@" 2>&1) || got=refused
  if [ "$got" != "$want" ]; then
    echo "FAIL (expected $want, was $got): $*"$'\n'"$out"
    failures=$((failures + 1))
  elif ! grep -q -- "$pattern" <<< "$out"; then
    echo "FAIL (no '$pattern' in the output): $*"$'\n'"$out"
    failures=$((failures + 1))
  else
    echo "$want: $*"
  fi
}
passes() { expect ok "$@"; }
refuses() { expect refused "$@"; }

python3 bench/fixtures/fake_cuda_session.py "$tmp/session" --regime decode --ops rmsnorm > /dev/null ||
  { echo "FAIL: could not write the fixture session"; exit 1; }

passes "dry run: .*foundry run --ops rmsnorm" bench/cpu_prefill.sh --dry-run "$tmp/prefill" 4
refuses "positive integer" bench/cpu_prefill.sh --dry-run "$tmp/prefill" none

passes "dry run: .*foundry_cpu_peers" bench/cpu_peers.sh --dry-run -n 4 --session-dir "$tmp/peers"
refuses "positive integer" bench/cpu_peers.sh --dry-run --rounds 0
refuses "unknown argument" bench/cpu_peers.sh --dry-run --no-such-flag

passes "dry run: .*--backend cuda" bench/cuda_smoke.sh --dry-run "$tmp/smoke" 3
refuses "usage" bench/cuda_smoke.sh --dry-run

passes "dry run: .*--ops moe_combine" bench/record_spaces.sh --dry-run "$tmp/spaces" cpu
passes "dry run: .*--backend cuda" bench/record_spaces.sh --dry-run "$tmp/spaces" cuda
refuses "unknown space set" bench/record_spaces.sh --dry-run "$tmp/spaces" gpu

passes "dry run: .*--shapes prefill" bench/cuda_h200.sh --dry-run "$tmp/h200" search 4 2
passes "case(s)" bench/cuda_h200.sh --dry-run "$tmp/h200" peers "$tmp/session/attempts.ndjson"
passes "grid 16384, block 128" bench/cuda_h200.sh --dry-run "$tmp/h200" rate
refuses "missing" bench/cuda_h200.sh --dry-run "$tmp/h200" peers "$tmp/none.ndjson"
refuses "unknown part" bench/cuda_h200.sh --dry-run "$tmp/h200" speed

passes "dry run: would summarize" python3 bench/summarize.py "$tmp/session" --dry-run
refuses "not a foundry session" python3 bench/summarize.py "$tmp/none" --dry-run
passes "dry run: would count" python3 bench/template_status.py "$tmp/session" --dry-run
refuses "not a foundry session" python3 bench/template_status.py "$tmp/none" --dry-run
passes "dry run: rmsnorm" python3 bench/kernel_tuner_strategies.py "$tmp/session" --op rmsnorm --template rmsnorm_vec \
  --foundry "$FOUNDRY" --dry-run
refuses "must be positive" python3 bench/kernel_tuner_strategies.py "$tmp/session" --op rmsnorm --template t \
  --foundry "$FOUNDRY" --budget 0 --dry-run
passes "valid at rows=8" python3 bench/kernel_tuner_compare.py --source bench/fixtures/rmsnorm_f32.cu \
  --space bench/fixtures/rmsnorm_space.json --rows 8 --cols 4096 --dry-run
refuses "no such file" python3 bench/kernel_tuner_compare.py --source "$tmp/none.cu" \
  --space bench/fixtures/rmsnorm_space.json --rows 8 --cols 4096 --dry-run
passes "case(s)" python3 bench/cuda_torch_peers.py "$tmp/session" --out "$tmp/peers.json" --markdown "$tmp/peers.md" --dry-run
passes "dry run: [1-9][0-9]* case.s. would be measured" python3 bench/cuda_ceilings.py "$tmp/session" --ops rmsnorm --regime decode --dry-run
refuses "no such file" python3 bench/cuda_ceilings.py "$tmp/none" --dry-run

passes "dry run: .*FOUNDRY_KILLS=20" bench/kill_resume.sh --dry-run
refuses "positive integer" bench/kill_resume.sh --dry-run 20 7 0
passes "dry run: would build .* each for 60 s" bench/fuzz.sh --dry-run 60
refuses "positive integer" bench/fuzz.sh --dry-run 1m

# The option check itself: an option foundry lacks fails the dry run.
refuses "has no option --no-such-option" bash -c \
  'source bench/common.sh; dry_run=1; foundry_step "$FOUNDRY" run --ops rmsnorm --no-such-option 1'

# A dry run ran nothing: no session was written.
for d in prefill peers smoke spaces; do
  if [ -e "$tmp/$d" ] && [ -n "$(ls -A "$tmp/$d")" ]; then
    echo "FAIL: the dry run wrote into $tmp/$d"
    failures=$((failures + 1))
  fi
done

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
