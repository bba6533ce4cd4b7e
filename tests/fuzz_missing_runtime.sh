#!/usr/bin/env bash
# fuzz/run.sh (the fuzz_smoke test) fails, naming the package to install, when
# clang cannot link libFuzzer's runtime: a clang++ that refuses
# -fsanitize=fuzzer at link time stands in for a clang without libclang-rt-dev.
# It fails the same way as a dry run (bench/fuzz.sh --dry-run), and builds nothing.
set -uo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
real=$(command -v clang++) || { echo "FAIL: no clang++ on PATH (install clang and libclang-rt-dev)"; exit 1; }
mkdir "$tmp/bin"
cat > "$tmp/bin/clang++" <<WRAP
#!/bin/sh
for a in "\$@"; do
  case "\$a" in -c) exec "$real" "\$@" ;; esac
done
for a in "\$@"; do
  case "\$a" in
    -fsanitize=*fuzzer-no-link*) ;;
    -fsanitize=*fuzzer*) echo "/usr/bin/ld: cannot find libclang_rt.fuzzer-x86_64.a: No such file or directory" >&2; exit 1 ;;
  esac
done
exec "$real" "\$@"
WRAP
chmod +x "$tmp/bin/clang++"
failures=0
for args in "--seconds 1" "--seconds 1 --dry-run"; do
  # shellcheck disable=SC2086
  out=$(PATH="$tmp/bin:$PATH" bash fuzz/run.sh --build-dir "$tmp/build" $args 2>&1)
  rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "FAIL: fuzz/run.sh $args passed without the fuzzer runtime:"$'\n'"$out"
    failures=$((failures + 1))
  elif ! grep -q "install libclang-rt-dev" <<< "$out"; then
    echo "FAIL: fuzz/run.sh $args failed without naming libclang-rt-dev:"$'\n'"$out"
    failures=$((failures + 1))
  elif [ -e "$tmp/build/CMakeCache.txt" ]; then
    echo "FAIL: fuzz/run.sh $args configured a build it cannot link"
    failures=$((failures + 1))
  else
    echo "ok: fuzz/run.sh $args fails (exit $rc): $(grep 'libclang-rt-dev' <<< "$out")"
  fi
done
echo "$failures failure(s)"
[ "$failures" -eq 0 ]
