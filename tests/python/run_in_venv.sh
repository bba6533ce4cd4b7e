#!/bin/sh
# run_in_venv.sh VENV SCRIPT ARGS...: runs SCRIPT with the virtual environment's
# Python; fails, saying how to create it, when there is none.
venv=$1
shift
if [ ! -x "$venv/bin/python" ]; then
  echo "no Python virtual environment at $venv: create it with \`make venv\` (pip installs tests/python/requirements.txt)" >&2
  exit 1
fi
exec "$venv/bin/python" "$@"
