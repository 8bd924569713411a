#!/usr/bin/env bash
# Runs the test suite (test/*.test.js) under Wine with a real Windows node.exe and the cross-compiled addon.
# PREBUILDS_ONLY=1 makes node-gyp-build load prebuilds/win32-x64, never the Linux build/Release. Smoke coverage
# of the Windows code path, not a substitute for real Windows (see WINDOWS.md). Exits with node.exe's exit code.
set -euo pipefail
cd "$(dirname "$0")/.."

export WINEPREFIX="${WINEPREFIX:-/tmp/fs-flock-wine}" WINEDEBUG="${WINEDEBUG:--all}" PREBUILDS_ONLY=1
WINE=/usr/lib/wine/wine64
node_exe="${NODE_EXE:-$(bash scripts/setup-wine.sh)}"  # idempotent: only finds node.exe once set up

bash scripts/build-win32.sh
npx tsc -p .

out=$(mktemp -d)/test-windows.txt
# node.exe dies with EBADF under Wine when its stdout/stderr is a Unix pipe: always a file.
status=0
timeout "${FS_FLOCK_WINE_TIMEOUT:-600}" "$WINE" "$node_exe" --test test/*.test.js >"$out" 2>&1 || status=$?
cat "$out"
[ "$status" != 124 ] || { echo "test-windows: timed out; stopping this prefix's Wine processes" >&2; /usr/lib/wine/wineserver -k; }
echo "test-windows: node.exe exited with $status (output kept in $out)" >&2
exit "$status"
