#!/usr/bin/env bash
# Builds the addon with AddressSanitizer and UndefinedBehaviorSanitizer (g++) in a copy of the tree, then runs the
# test suite and the stress programs under it: any report fails the run. ThreadSanitizer is not run here (Node's
# own V8/libuv races drown it); see README, Development. Needs g++ with libasan/libubsan (Debian's g++ has both).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# A copy of the tracked files (plus untracked, not ignored ones), sharing node_modules.
git ls-files -co --exclude-standard -z | tar --null -cf - -T - | tar -xf - -C "$tmp"
ln -s "$root/node_modules" "$tmp/node_modules"
cd "$tmp"
mkdir -p build/Release
g++ -std=c++17 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined \
  -shared -fPIC -pthread -I "$(node -p "require('node-api-headers').include_dir")" \
  -I "$(node -p "require('node-addon-api').include_dir")" \
  -DNAPI_VERSION=8 -DNAPI_DISABLE_CPP_EXCEPTIONS -DNODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED \
  native/binding.cc native/waiter.cc native/pool.cc native/lock_posix.cc -o build/Release/fs_flock.node
npx tsc -p . && npx tsc -p test/ts

logs=$tmp/sanitizer-logs; mkdir -p "$logs"
# Node is not built with ASan: the runtime is preloaded. Leak checking is off (Node itself leaks at exit).
export LD_PRELOAD="$(g++ -print-file-name=libasan.so):$(g++ -print-file-name=libubsan.so)"
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:log_path=$logs/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan"
shopt -s nullglob
status=0
node --test --test-timeout=300000 --test-concurrency=1 test/*.test.js test/build/*.test.js test/stress/*.test.js || status=$?
unset LD_PRELOAD
reports=("$logs"/*)
if [ ${#reports[@]} -gt 0 ]; then
  echo "test:asan: sanitizer reports:" >&2
  cat "${reports[@]}" >&2
  status=1
fi
echo "test:asan: exit $status (${#reports[@]} sanitizer reports)" >&2
exit "$status"
