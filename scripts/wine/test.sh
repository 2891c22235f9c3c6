#!/usr/bin/env bash
# Runs every test-wine/*.test.mjs under Windows node in Wine (node:test, TAP reporter), one Wine
# process per file, against the BUILT packages (packages/*/dist), once per Windows architecture:
# x64 (64-bit node.exe) and x86 (32-bit node.exe under wine32, the i686 stand-in DLL, koffi's
# win32-ia32 binary). Output goes to .wine/out/<arch>/wine-tests.log and .wine/out/wine-tests.log
# (both arches), is printed, and the last line is exactly:
#   wine: N passed, M failed, K skipped
# Exit status: 0 when nothing failed (also when Wine, or one architecture's Wine, is unavailable:
# that part is skipped with a printed reason), 1 otherwise.
#
# Environment: WINE_ARCHES="x64 x86" (default both) selects the architectures; WINE_SKIP_SETUP=1
# skips scripts/wine/setup.sh; WINE_TEST_FILTER=<substring> runs only matching files.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ALL_LOG="$ROOT/.wine/out/wine-tests.log"
mkdir -p "$ROOT/.wine/out"
: >"$ALL_LOG"
total_passed=0
total_failed=0
total_skipped=0

# Runs the suite for one architecture ($1); adds to the totals.
run_arch() {
export WINE_ARCH="$1"
# shellcheck source=env.sh
source "$ROOT/scripts/wine/env.sh"
OUT_DIR="$WINE_ROOT/out/$WINE_ARCH"
LOG="$OUT_DIR/wine-tests.log"
mkdir -p "$OUT_DIR"
start=$(date +%s)
passed=0
failed=0
skipped=0

if [ -z "${WINE_SKIP_SETUP:-}" ]; then
  bash "$ROOT/scripts/wine/setup.sh"
  rc=$?
  if [ "$rc" = 3 ]; then
    reason="$(cat "$WINE_ROOT/unavailable" 2>/dev/null || echo unknown)"
    echo "wine $WINE_ARCH: suite skipped: $reason" | tee "$LOG"
    total_skipped=$((total_skipped + 1))
    return
  elif [ "$rc" != 0 ]; then
    echo "wine $WINE_ARCH: setup failed (exit $rc)" | tee "$LOG"
    total_failed=$((total_failed + 1))
    return
  fi
fi

if [ ! -f "$ROOT/packages/abi/dist/index.js" ]; then
  echo "wine: packages/abi/dist is missing: build first (npx turbo run build, or npx tsup in packages/abi)" | tee "$LOG"
  total_failed=$((total_failed + 1))
  return
fi

# One wineserver for the whole suite. With a server per file, a file whose Wine process starts while
# the previous file's server is still shutting down can fail before node runs (seen as exit 1 within
# ~20 ms with empty output). -p keeps the server until the -k on exit.
wineserver -p 2>/dev/null
trap 'wineserver -k 2>/dev/null; wineserver -w 2>/dev/null' EXIT

: >"$LOG"
for file in "$ROOT"/test-wine/*.test.mjs; do
  name="$(basename "$file")"
  if [ -n "${WINE_TEST_FILTER:-}" ] && [[ "$name" != *"$WINE_TEST_FILTER"* ]]; then continue; fi
  t0=$(date +%s%N)
  RUN_QUIET=1 RUN_OUT_DIR="$OUT_DIR" RUN_NODE_ARGS="--test-reporter=tap" bash "$ROOT/scripts/wine/run.sh" "$file" >/dev/null 2>&1
  rc=$?
  ms=$((($(date +%s%N) - t0) / 1000000))
  stdout_file="$OUT_DIR/${name%.mjs}.stdout"
  stderr_file="$OUT_DIR/${name%.mjs}.stderr"
  p=$(grep -E '^# pass [0-9]+' "$stdout_file" 2>/dev/null | tail -n 1 | awk '{print $3}')
  f=$(grep -E '^# fail [0-9]+' "$stdout_file" 2>/dev/null | tail -n 1 | awk '{print $3}')
  s=$(grep -E '^# skipped [0-9]+' "$stdout_file" 2>/dev/null | tail -n 1 | awk '{print $3}')
  {
    echo "=== $name (exit $rc, ${ms} ms)"
    cat "$stdout_file" 2>/dev/null
    if [ -s "$stderr_file" ]; then
      echo "--- stderr"
      cat "$stderr_file"
    fi
  } >>"$LOG"
  if [ -z "$p" ] || [ -z "$f" ]; then
    echo "!!! $name produced no test summary (exit $rc): counted as 1 failure" >>"$LOG"
    failed=$((failed + 1))
    continue
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  skipped=$((skipped + ${s:-0}))
  if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
    echo "!!! $name exited $rc with no failing test: counted as 1 failure" >>"$LOG"
    failed=$((failed + 1))
  fi
done

echo "wine $WINE_ARCH: $passed passed, $failed failed, $skipped skipped, total $(($(date +%s) - start)) s" >>"$LOG"
wineserver -k 2>/dev/null
wineserver -w 2>/dev/null
cat "$LOG" >>"$ALL_LOG"
total_passed=$((total_passed + passed))
total_failed=$((total_failed + failed))
total_skipped=$((total_skipped + skipped))
}

for arch in ${WINE_ARCHES:-x64 x86}; do
  run_arch "$arch"
done
cat "$ALL_LOG"
echo "wine: $total_passed passed, $total_failed failed, $total_skipped skipped"
[ "$total_failed" = 0 ]
