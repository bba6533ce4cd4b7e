#!/usr/bin/env bash
# The kill test at full length (tests/test_kill_resume.cpp): a real cpu
# `foundry run` (softmax f32 decode, --mode random) SIGKILLed at KILLS moments
# (random delays; right after a record; right after a search-state save; while
# a compiler runs; while the worker runs), resumed after each, then checked
# against an uninterrupted run with the same seed. Prints where the kills
# landed and the time it took; results in docs/RELIABILITY.md.
# usage: bench/kill_resume.sh [--dry-run] [KILLS] [SEED] [BUDGET]
#   KILLS: 20; SEED: random (printed); BUDGET: records in all (120, over three cases)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
kills=${1:-20}
seed=${2:-$((RANDOM + 1))}
budget=${3:-120}
need_int KILLS "$kills"
need_int SEED "$seed"
need_int BUDGET "$budget"
tests=${FOUNDRY_TESTS:-$PWD/build/tests/foundry_tests}
need_path "$tests" "make build, or set FOUNDRY_TESTS"
if [ "$dry_run" = 1 ]; then
  "$tests" --gtest_list_tests --gtest_filter='KillResume.*' | grep -q Sigkills || bench_fail "$tests has no KillResume test"
fi
step env FOUNDRY_KILLS="$kills" FOUNDRY_KILL_SEED="$seed" FOUNDRY_KILL_BUDGET="$budget" \
  "$tests" --gtest_filter='KillResume.*'
