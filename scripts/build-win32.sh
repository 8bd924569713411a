#!/usr/bin/env bash
# Cross-compiles the Windows addon with mingw-w64 into prebuilds/win32-x64/node.napi.node:
# node-gyp cannot target Windows from Linux. Node-API and uv_get_osfhandle are imported from node.exe.
# Installs nothing; run scripts/setup-wine.sh (or apt-get install g++-mingw-w64-x86-64) first.
set -euo pipefail

CXX=x86_64-w64-mingw32-g++-posix  # the -posix variant: the win32 thread model lacks std::thread/std::mutex
DLLTOOL=x86_64-w64-mingw32-dlltool
for tool in "$CXX" "$DLLTOOL"; do
  command -v "$tool" >/dev/null || { echo "build-win32: $tool not found; install g++-mingw-w64-x86-64" >&2; exit 1; }
done

cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
addon_api=$(node -p "require('node-addon-api').include_dir")
api_headers=$(node -p "require('node-api-headers').include_dir")
api_def=$(node -p "require('node-api-headers').def_paths.node_api_def")

"$DLLTOOL" -d "$api_def" -l "$tmp/libnode_api.a"
printf 'LIBRARY node.exe\nEXPORTS\nuv_get_osfhandle\n' > "$tmp/uv.def"
"$DLLTOOL" -d "$tmp/uv.def" -l "$tmp/libnode_uv.a"

"$CXX" -std=c++17 -O2 -s -shared -fstack-protector-strong -o "$tmp/fs_flock.node" \
  native/binding.cc native/waiter.cc native/pool.cc native/lock_win.cc \
  -I "$addon_api" -I "$api_headers" \
  -DNAPI_VERSION=8 -DNAPI_DISABLE_CPP_EXCEPTIONS -DNODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED \
  '-DNAPI_EXTERN=__declspec(dllimport)' \
  -L "$tmp" -lnode_api -lnode_uv -static -static-libgcc -static-libstdc++

mkdir -p prebuilds/win32-x64
cp "$tmp/fs_flock.node" prebuilds/win32-x64/node.napi.node
echo "build-win32: prebuilds/win32-x64/node.napi.node"
