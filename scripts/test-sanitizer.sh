#!/usr/bin/env bash
# Builds the addon with sanitizers (g++) in a copy of the tree and runs tests under them, the runtime preloaded into
# node (which is not built with them). Needs g++ with libasan, libubsan and libtsan (Debian's g++ has all three).
#   asan: AddressSanitizer + UndefinedBehaviorSanitizer; the whole suite and the stress programs; any report fails.
#   tsan: ThreadSanitizer over the wait, cancel and teardown tests (and the stress faults). Node's own V8 and libuv
#         races are reported too (they are not ours); only races with an access made by fs_flock.node's own code
#         (its first frame outside the TSan runtime) fail the run.
set -euo pipefail
mode=${1:?usage: test-sanitizer.sh asan|tsan}
cd "$(dirname "$0")/.."
root=$PWD
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# A copy of the tracked files (plus untracked, not ignored ones), sharing node_modules.
git ls-files -co --exclude-standard -z | tar --null -cf - -T - | tar -xf - -C "$tmp"
ln -s "$root/node_modules" "$tmp/node_modules"
cd "$tmp"
logs=$tmp/sanitizer-logs; mkdir -p "$logs" build/Release
case $mode in
  asan)
    flags=(-fsanitize=address,undefined -fno-sanitize-recover=undefined)
    runtime="$(g++ -print-file-name=libasan.so):$(g++ -print-file-name=libubsan.so)"
    # Leak checking is off (Node itself leaks at exit).
    export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:log_path=$logs/asan"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan"
    tests='test/*.test.js test/build/*.test.js test/stress/*.test.js' ;;
  tsan)
    # First a canary with a known race: it proves the runtime starts on this kernel and reports what it should.
    printf '#include <thread>\nint x;\nint main() { std::thread t([] { x++; }); x++; t.join(); }\n' >"$tmp/canary.cc"
    g++ -std=c++17 -g -fsanitize=thread "$tmp/canary.cc" -o "$tmp/canary"
    canary=$("$tmp/canary" 2>&1 || true)
    if ! grep -q 'data race' <<<"$canary"; then
      echo "test:tsan: skipped: ThreadSanitizer does not run on this machine: $(head -n 2 <<<"$canary")" >&2
      exit 0
    fi
    flags=(-fsanitize=thread)
    runtime="$(g++ -print-file-name=libtsan.so)"
    # exitcode=0: a report on Node's own code must not fail the process under test; the logs are judged below.
    export TSAN_OPTIONS="exitcode=0:log_path=$logs/tsan:report_signal_unsafe=0"
    tests='test/5*.test.js test/6*.test.js test/7*.test.js test/stress/faults.test.js' ;;
  *) echo "test-sanitizer.sh: unknown mode $mode" >&2; exit 2 ;;
esac
source scripts/native.sh
g++ -std=c++17 -O1 -g -fno-omit-frame-pointer "${flags[@]}" -shared -fPIC -pthread "${native_includes[@]}" \
  "${native_defines[@]}" "${native_sources[@]}" native/lock_posix.cc -ldl -o build/Release/fs_flock.node
npx tsc -p . && npx tsc -p test/ts  # test/build/ exists from here on

status=0
# shellcheck disable=SC2086 # $tests: globs, expanded here
LD_PRELOAD=$runtime node --test --test-timeout=300000 --test-concurrency=1 $tests || status=$?
shopt -s nullglob
reports=("$logs"/*)
ours=("${reports[@]}")
if [ "$mode" = tsan ] && [ ${#reports[@]} -gt 0 ]; then
  # Ours: a race one of whose two accesses is made by fs_flock.node's own code (the first frame outside the TSan
  # runtime). A V8 race whose stack merely passes through the addon (its Init, say) is Node's.
  ours=()
  for report in "${reports[@]}"; do
    node -e '
      const warnings = require("fs").readFileSync(process.argv[1], "utf8").split("WARNING: ThreadSanitizer").slice(1);
      const accesses = (w) => w.split(/\n  (?=(?:Previous )?(?:[Ww]rite|[Rr]ead|Atomic))/).slice(1);
      const byUs = (a) => (a.split("\n").find((l) => /^ +#\d+ /.test(l) && !l.includes("libtsan.so")) ?? "").includes("fs_flock.node");
      process.exit(warnings.some((w) => accesses(w).some(byUs)) ? 0 : 1);' "$report" && ours+=("$report")
  done
  echo "test:$mode: ${#reports[@]} processes reported races; $(( ${#reports[@]} - ${#ours[@]} )) of them only in Node's own code (ignored)" >&2
fi
if [ ${#ours[@]} -gt 0 ]; then
  echo "test:$mode: sanitizer reports:" >&2
  cat "${ours[@]}" >&2
  status=1
fi
echo "test:$mode: exit $status (${#ours[@]} sanitizer reports on fs-flock)" >&2
exit "$status"
