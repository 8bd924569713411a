#!/usr/bin/env bash
# Runs the test suite (test/*.test.js) under Wine with a real Windows node.exe and the cross-compiled addon.
# PREBUILDS_ONLY=1 makes node-gyp-build load prebuilds/win32-x64, never the Linux build/Release. Smoke coverage
# of the Windows code path, not a substitute for real Windows. Exits with node.exe's exit code.
set -euo pipefail
cd "$(dirname "$0")/.."

export WINEPREFIX="${WINEPREFIX:-$PWD/.cache/wine}" WINEDEBUG="${WINEDEBUG:--all}" PREBUILDS_ONLY=1
WINE=/usr/lib/wine/wine64
node_exe="${NODE_EXE:-$(bash scripts/setup-wine.sh)}"  # idempotent: only finds node.exe once set up

[ -n "${FS_FLOCK_NO_BUILD:-}" ] || bash scripts/build-win32.sh  # FS_FLOCK_NO_BUILD=1: test the prebuild as it is
npx tsc -p .
# The same files as `npm test`: test/*.test.js and the compiled TypeScript tests in test/build/.
[ ! -f test/ts/tsconfig.json ] || npx tsc -p test/ts
shopt -s nullglob
files=(test/*.test.js test/build/*.test.js)

out=$(mktemp -d)/test-windows.txt
# node.exe dies with EBADF under Wine when its stdout/stderr is a Unix pipe: always a file.
# --test-timeout only catches hangs; the outer timeout catches a node.exe that never exits.
status=0
timeout "${FS_FLOCK_WINE_TIMEOUT:-600}" "$WINE" "$node_exe" --test --test-timeout=120000 "${files[@]}" \
  >"$out" 2>&1 || status=$?
cat "$out"
if [ "$status" = 124 ]; then
  echo "test-windows: timed out after ${FS_FLOCK_WINE_TIMEOUT:-600} s; stopping this prefix's Wine processes" >&2
  /usr/lib/wine/wineserver -k || true
fi
{
  echo "test-windows: skipped under Wine/Windows, with reasons:"
  grep -E '^ *ok [0-9]+ - .* # SKIP' "$out" | sed -E 's/^ *ok [0-9]+ - /  /' || echo "  (none)"
  echo "test-windows: $(grep -E '^# (tests|pass|fail|skipped|cancelled) ' "$out" | sed 's/^# //' | paste -sd, - | sed 's/,/, /g')"
  echo "test-windows: node.exe exited with $status (output kept in $out)"
} >&2
exit "$status"
