#!/usr/bin/env bash
# usage: bench/cpu_peers.sh [--dry-run] [-n N] [--session-dir DIR] [--rounds R] [--ops OP...]
#   Runs `foundry run` at the prefill shapes (f32, bf16) for the ops that have
#   CPU templates and a oneDNN or Eigen peer, then times each (op, dtype, shape)'s
#   best variant against those peers in one process and prints a Markdown table.
#   N: variants per op (24). DIR: session directory (runs/bench-cpu-peers-<timestamp>);
#   an existing session is resumed. R: alternating timing rounds per side (1).
#   --ops: restrict to these ops (default: every op with templates and a peer).
#   Builds in build-bench/ with -DFOUNDRY_BENCH_PEERS=ON; installs libdnnl-dev and
#   libeigen3-dev with apt-get when missing. --dry-run: check the arguments, the
#   tools and foundry's options, print the commands, build and run nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh

n=24
dir=runs/bench-cpu-peers-$(date +%Y%m%d-%H%M%S)
rounds=1
ops=()
while [ $# -gt 0 ]; do
  case "$1" in
    -n|--n) n=$2; shift 2 ;;
    --session-dir) dir=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --ops) shift; while [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; do ops+=("$1"); shift; done ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
need_int -n "$n"
need_int --rounds "$rounds"
need_tool cmake
need_tool dpkg-query

# The peer libraries, plus what the main build needs (the same check as `make deps`).
step make deps > /dev/null
missing=$(for p in libdnnl-dev libeigen3-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || echo "$p"; done)
if [ -n "$missing" ]; then
  echo "installing:" $missing >&2
  sudo=$( [ "$(id -u)" -eq 0 ] || echo sudo )
  step $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive step $sudo apt-get install -y -qq $missing
fi

step cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFOUNDRY_BENCH_PEERS=ON -DBUILD_TESTING=OFF > /dev/null
step cmake --build build-bench -j "$(nproc)" --target foundry foundry_cpu_peers > /dev/null
# A dry run checks against the binaries of a build that has them ($FOUNDRY and
# foundry_cpu_peers beside it), else build/.
if [ "$dry_run" = 1 ]; then
  foundry=${FOUNDRY:-$PWD/build/foundry}
  peers=$(dirname "$foundry")/foundry_cpu_peers
  need_path "$peers" "configure with -DFOUNDRY_BENCH_PEERS=ON"
else
  foundry=build-bench/foundry
  peers=build-bench/foundry_cpu_peers
fi

# Ops with CPU templates that also have a peer; more appear as templates land.
if [ ${#ops[@]} -eq 0 ]; then
  read -r -a ops <<< "$("$peers" --list-ops)"
  [ ${#ops[@]} -gt 0 ] || { echo "no op has both CPU templates and a peer" >&2; exit 1; }
fi
echo "ops: ${ops[*]} · session: $dir" >&2

foundry_step "$foundry" run --ops "${ops[@]}" -n "$n" --shapes prefill --dtypes f32 bf16 --session-dir "$dir" >&2
if [ "$dry_run" = 1 ]; then
  peers_help=$("$peers" --help)
  for opt in --regime --rounds; do
    grep -q -- "$opt" <<< "$peers_help" || bench_fail "foundry_cpu_peers has no option $opt"
  done
fi
step "$peers" "$dir" --regime prefill --rounds "$rounds"
