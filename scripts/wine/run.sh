#!/usr/bin/env bash
# Runs one script under Windows node in Wine:  scripts/wine/run.sh <script.mjs> [args...]
# Node under Wine cannot write to a pipe, so stdout and stderr go to files (RUN_OUT_DIR, default
# .wine/out) and are printed afterwards. Exit status: the script's. Environment for the script:
# WINTUN_DLL_DIR (official DLLs, bin/<arch>/wintun.dll layout) and WINTUN_STANDIN_DLL (the stand-in),
# both as Windows paths. RUN_NODE_ARGS: extra node flags before the script. Expects scripts/wine/setup.sh to have run.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=env.sh
source "$ROOT/scripts/wine/env.sh"

if [ $# -lt 1 ]; then
  echo "usage: scripts/wine/run.sh <script.mjs> [args...]" >&2
  exit 64
fi
if [ ! -s "$WINE_NODE_EXE" ]; then
  echo "wine run: $WINE_NODE_EXE missing; run scripts/wine/setup.sh first" >&2
  exit 65
fi

script="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
shift
out_dir="${RUN_OUT_DIR:-$WINE_ROOT/out}"
mkdir -p "$out_dir"
stem="$(basename "$script" .mjs)"
stdout_file="$out_dir/$stem.stdout"
stderr_file="$out_dir/$stem.stderr"

timeout_s="${WINE_RUN_TIMEOUT:-300}"
# shellcheck disable=SC2086 # RUN_NODE_ARGS holds several flags
timeout --kill-after=10 "$timeout_s" wine "$WINE_NODE_EXE" ${RUN_NODE_ARGS:-} "$(winpath "$script")" "$@" \
  </dev/null >"$stdout_file" 2>"$stderr_file"
rc=$?
if [ "$rc" = 124 ]; then echo "wine run: $stem timed out after ${timeout_s}s" >>"$stderr_file"; fi

if [ -z "${RUN_QUIET:-}" ]; then
  cat "$stdout_file"
  if [ -s "$stderr_file" ]; then cat "$stderr_file" >&2; fi
fi
exit "$rc"
