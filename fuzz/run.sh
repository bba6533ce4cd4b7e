#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/CMakeLists.txt, with clang) and runs each
# on a copy of its seed corpus, fuzz/corpus/<target>/, for SECONDS. Fails when
# a target finds a crash, a leak, undefined behaviour or a slow input, and
# when clang or its fuzzer runtime is missing (which package to install is said;
# never a skip).
# usage: fuzz/run.sh [--build-dir DIR] [--seconds S] [--targets "expr render ..."] [--report FILE] [--dry-run]
#   DIR: build-fuzz; S: 5; --report: append a Markdown row per target to FILE;
#   --dry-run: check the tools (the fuzzer runtime links) and corpora, build and run nothing.
# A crashing input is kept as DIR/work/<target>/crash-<sha1>; rerun it with
# DIR/fuzz_<target> DIR/work/<target>/crash-<sha1>.
set -uo pipefail
cd "$(dirname "$0")/.."
build=build-fuzz
seconds=5
targets="front_matter render expr session_reader worker_protocol"
report=""
dry_run=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --targets) targets=$2; shift 2 ;;
    --report) report=$2; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fuzz/run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$seconds" in '' | *[!0-9]* | 0) echo "fuzz/run.sh: --seconds must be a positive integer" >&2; exit 2 ;; esac
for t in $targets; do
  [ -f "fuzz/$t.cpp" ] || { echo "fuzz/run.sh: no target $t (fuzz/$t.cpp)" >&2; exit 2; }
  [ -n "$(ls -A "fuzz/corpus/$t" 2>/dev/null)" ] || { echo "fuzz/run.sh: no seeds in fuzz/corpus/$t" >&2; exit 2; }
done
for tool in cmake clang++; do
  command -v "$tool" > /dev/null ||
    { echo "fuzz/run.sh: $tool not found: install cmake, clang and libclang-rt-dev (Debian; make deps does)" >&2; exit 1; }
done
# clang links -fsanitize=fuzzer only with its runtime, which Debian ships apart from clang.
probe=$(mktemp -d)
printf '%s\n' '#include <cstddef>' '#include <cstdint>' \
  'extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }' > "$probe/probe.cpp"
if ! clang++ -fsanitize=fuzzer,address,undefined "$probe/probe.cpp" -o "$probe/probe" > "$probe/log" 2>&1; then
  cat "$probe/log" >&2
  rm -rf "$probe"
  echo "fuzz/run.sh: clang++ cannot link -fsanitize=fuzzer: libclang_rt.fuzzer is missing; install libclang-rt-dev" \
    "(Debian; make deps does)" >&2
  exit 1
fi
rm -rf "$probe"
if [ "$dry_run" = 1 ]; then
  echo "dry run: would build $targets in $build and run each for $seconds s"
  exit 0
fi

launcher=()
command -v ccache > /dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
mkdir -p "$build"
if ! cmake -S fuzz -B "$build" -DCMAKE_CXX_COMPILER=clang++ "${launcher[@]+"${launcher[@]}"}" > "$build/configure.log" 2>&1; then
  cat "$build/configure.log" >&2
  echo "fuzz/run.sh: configuring the fuzz build failed (above)" >&2
  exit 1
fi
if ! cmake --build "$build" -j "${JOBS:-$(nproc)}" > "$build/build.log" 2>&1; then
  cat "$build/build.log" >&2
  echo "fuzz/run.sh: building the fuzz targets failed (above)" >&2
  exit 1
fi

failures=0
export UBSAN_OPTIONS=print_stacktrace=1
for t in $targets; do
  work=$build/work/$t
  rm -rf "$work"
  mkdir -p "$work/corpus"
  cp "fuzz/corpus/$t"/* "$work/corpus/"
  case $t in
    session_reader | worker_protocol) dict=fuzz/dict/json.dict ;;
    expr) dict=fuzz/dict/expr.dict ;;
    *) dict=fuzz/dict/template.dict ;;
  esac
  "$build/fuzz_$t" "$work/corpus" -dict="$dict" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/" > "$work/log" 2>&1
  rc=$?
  execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$work/log")
  corpus=$(ls "$work/corpus" | wc -l)
  if [ "$rc" -ne 0 ]; then
    failures=$((failures + 1))
    tail -40 "$work/log"
    echo "FAIL $t: exit $rc after ${execs:-?} executions; input: $(ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/slow-unit-* 2>/dev/null | tr '\n' ' ')"
  else
    echo "ok $t: ${execs:-?} executions in $seconds s, corpus $corpus inputs"
  fi
  [ -z "$report" ] || echo "| $t | $seconds | ${execs:-?} | $corpus | $([ "$rc" -eq 0 ] && echo none || echo "exit $rc") |" >> "$report"
done
[ "$failures" -eq 0 ]
