#!/usr/bin/env bash
# Cross-compiles the Windows addon with mingw-w64 into prebuilds/win32-x64/node.napi.node:
# node-gyp cannot target Windows from Linux. Node-API and uv_get_osfhandle are delay-imported from node.exe, which
# native/win_delay_load_hook.cc resolves to the host executable, so the addon also loads in an executable of another name.
# Installs nothing; run scripts/setup-wine.sh (or apt-get install g++-mingw-w64-x86-64) first.
set -euo pipefail

CXX=x86_64-w64-mingw32-g++-posix  # the -posix variant: the win32 thread model lacks std::thread/std::mutex
DLLTOOL=x86_64-w64-mingw32-dlltool
for tool in "$CXX" "$DLLTOOL"; do
  command -v "$tool" >/dev/null || { echo "build-win32: $tool not found; install g++-mingw-w64-x86-64" >&2; exit 1; }
done

cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
source scripts/native.sh
api_def=$(node -p "require('node-api-headers').def_paths.node_api_def")

# node.exe's exports as one delay-import library: the addon's import table names no node.exe, and
# native/win_delay_load_hook.cc binds them to the running executable, whatever its name. Made in $tmp because dlltool
# names its symbols after the library's path (__DELAY_IMPORT_DESCRIPTOR_libnode_delay_a, which the hook uses).
{ printf 'LIBRARY node.exe\nEXPORTS\n'; grep -vE '^(NAME|LIBRARY|EXPORTS)\b' "$api_def"; echo uv_get_osfhandle; } >"$tmp/node.def"
(cd "$tmp" && "$DLLTOOL" -d node.def -y libnode_delay.a)

"$CXX" -std=c++17 -O2 -s -shared -fstack-protector-strong -o "$tmp/fs_flock.node" \
  "${native_sources[@]}" native/lock_win.cc native/win_delay_load_hook.cc "${native_includes[@]}" "${native_defines[@]}" \
  '-DNAPI_EXTERN=__declspec(dllimport)' \
  -L "$tmp" -lnode_delay -static -static-libgcc -static-libstdc++

mkdir -p prebuilds/win32-x64
cp "$tmp/fs_flock.node" prebuilds/win32-x64/node.napi.node
echo "build-win32: prebuilds/win32-x64/node.napi.node"
