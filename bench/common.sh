# Sourced by the bench/*.sh scripts: the --dry-run mode they share. A dry run
# checks a script's arguments, the tools and paths it needs and the options it
# passes to foundry, prints the long commands instead of running them, and
# exits 0; anything missing or wrong stops it with a message and exit code 2.
#
#   source bench/common.sh   (without arguments) sets dry_run to 1 when the
#                            script's arguments hold --dry-run, and takes it out of them
#   step CMD...              runs CMD, or in a dry run prints it
#   foundry_step [timeout S] BIN SUB ARGS...
#                            step; in a dry run every option in ARGS must be one `BIN SUB --help` lists
#   dry_step CMD...          runs CMD, in a dry run with --dry-run appended (a bench script of its own)
#   need_tool NAME [WHY]     NAME must be on PATH
#   need_path PATH [WHY]     PATH must exist
#   need_int NAME VALUE      VALUE must be a positive integer
#   gpu_tool NAME            a tool of the GPU machine: a real run needs it; a dry run elsewhere notes its absence
#   foundry_binary           the foundry to run: $FOUNDRY, else .device/foundry (a bundle), else build/foundry

dry_run=0
ARGS=()

take_dry_run() {
  local a
  for a in "$@"; do
    if [ "$a" = --dry-run ]; then dry_run=1; else ARGS+=("$a"); fi
  done
}

bench_fail() {
  echo "$(basename "$0"): $*" >&2
  exit 2
}

need_tool() {
  command -v "$1" > /dev/null 2>&1 || bench_fail "needs $1 on PATH${2:+ ($2)}"
}

need_path() {
  [ -e "$1" ] || bench_fail "missing $1${2:+ ($2)}"
}

need_int() {
  case "$2" in
    '' | *[!0-9]* | 0) bench_fail "$1 must be a positive integer, got '$2'" ;;
  esac
}

gpu_tool() {
  if command -v "$1" > /dev/null 2>&1; then return 0; fi
  [ "$dry_run" = 1 ] || bench_fail "needs $1 (run this on the GPU machine)"
  echo "dry run: $1 is not here; the run needs it on the GPU machine" >&2
}

foundry_binary() {
  if [ -n "${FOUNDRY:-}" ]; then
    echo "$FOUNDRY"
  elif [ -x .device/foundry ]; then
    echo "$PWD/.device/foundry"
  else
    echo "$PWD/build/foundry"
  fi
}

step() {
  if [ "$dry_run" = 1 ]; then
    echo "dry run: $*"
  else
    "$@"
  fi
}

# Every option (-x, --name, --name=value) of a foundry command line must be one
# that `BIN SUB --help` lists, so a renamed or removed flag fails the dry run.
check_foundry_options() {
  local bin=$1 sub=$2 help a opt
  shift 2
  [ -x "$bin" ] || bench_fail "missing $bin (make build, or set FOUNDRY)"
  help=$("$bin" "$sub" --help 2>&1) || bench_fail "$bin $sub --help failed: $help"
  for a in "$@"; do
    case "$a" in
      --*) opt=${a%%=*} ;;
      -[a-zA-Z]) opt=$a ;;
      *) continue ;;
    esac
    grep -qE -- "(^|[ ,])${opt}([ ,=]|\$)" <<< "$help" || bench_fail "foundry $sub has no option $opt"
  done
}

foundry_step() {
  local pre=()
  if [ "$1" = timeout ]; then
    pre=(timeout "$2")
    shift 2
  fi
  local bin=$1 sub=$2
  shift 2
  if [ "$dry_run" = 1 ]; then check_foundry_options "$bin" "$sub" "$@"; fi
  step "${pre[@]+"${pre[@]}"}" "$bin" "$sub" "$@"
}

dry_step() {
  if [ "$dry_run" = 1 ]; then
    "$@" --dry-run
  else
    "$@"
  fi
}

# Sourced without arguments, this file shares the script's arguments: --dry-run leaves them here.
take_dry_run "$@"
set -- "${ARGS[@]+"${ARGS[@]}"}"
