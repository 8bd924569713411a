#!/usr/bin/env bash
# The package as users get it. `npm pack` (whose prepack refuses missing, stale or never-run prebuilds), then the
# tarball installed into fresh consumer projects (test/package/):
#   1. with no compiler (cc, c++, gcc, g++, make, clang shadowed by failing stubs): it must load its prebuild, and
#      ESM, CommonJS, TypeScript --strict (module nodenext and commonjs) and Jest (3 files, one process) run on it,
#      and so does the bin (`npx fs-flock`);
#   2. with no matching prebuild (LIBC=musl, as node-gyp-build sees an Alpine host): it compiles from source;
#   3. with --build-from-source: it compiles although a prebuild matches.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
say() { echo "test-package: $*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

tgz=$work/$(npm pack --pack-destination "$work" --silent 2>/dev/null | tail -n 1)
listing=$(tar -tzf "$tgz")
say "$(basename "$tgz"): $(wc -l <<<"$listing") files; prebuilds: $(grep '\.node$' <<<"$listing" | sed 's#^package/##' | paste -sd ' ')"
! grep -E '\.map$|^package/(lib|test|bench|scripts)/|/demo\.' <<<"$listing" || fail "the tarball ships files users do not need"

# A consumer project: the fixtures and the tarball, installed with npm as a user would.
consumer() {
  local dir=$work/$1; shift
  mkdir -p "$dir"; cp -r test/package/. "$dir/"
  echo '{"name":"consumer","private":true}' >"$dir/package.json"
  (cd "$dir" && "$@" npm install --no-audit --no-fund --loglevel=error "$tgz" >&2)
  echo "$dir"
}
loaded() { (cd "$1" && node -p "require('node-gyp-build').path(require('path').dirname(require.resolve('fs-flock/package.json')))"); }

stubs=$work/stubs; mkdir -p "$stubs"
for tool in cc c++ gcc g++ make clang clang++; do
  printf '#!/bin/sh\necho "no compiler on this machine: %s" >&2\nexit 127\n' "$tool" >"$stubs/$tool"; chmod +x "$stubs/$tool"
done
app=$(consumer no-compiler env PATH="$stubs:$PATH" CC=false CXX=false)
case $(loaded "$app") in */prebuilds/linux-x64/node.napi.glibc.node) ;; *) fail "loaded $(loaded "$app")";; esac
[ ! -e "$app/node_modules/fs-flock/build" ] || fail "the install compiled although a prebuild matches"
say "no compiler: installed, loads $(loaded "$app" | sed "s#$app/##")"
(cd "$app" && node esm.mjs && node cjs.cjs) >&2
# The bin, as `npx fs-flock` runs it: a command's status passes through, and a second run under the first's lock
# meets the conflict (-E 7).
status=0; (cd "$app" && npx --no-install fs-flock build.lock node -e 'process.exit(3)') || status=$?
[ "$status" = 3 ] || fail "npx fs-flock: the command's status 3 came out as $status"
status=0; (cd "$app" && npx --no-install fs-flock build.lock npx --no-install fs-flock -n -E 7 build.lock true) || status=$?
[ "$status" = 7 ] || fail "npx fs-flock: a contended run exited $status, not 7"
say "npx fs-flock: $(cd "$app" && npx --no-install fs-flock --version); status passed through, contention seen"

tsc=("node" "$root/node_modules/typescript/bin/tsc")
for module in nodenext commonjs; do
  files='"consumer.ts"'; resolution=node10
  [ "$module" = nodenext ] && { files='"consumer.ts", "no-default.mts"'; resolution=nodenext; }
  cat >"$app/tsconfig.$module.json" <<JSON
{ "compilerOptions": { "strict": true, "noEmit": true, "skipLibCheck": false, "target": "es2022",
    "lib": ["es2022", "esnext.disposable"], "module": "$module", "moduleResolution": "$resolution",
    "typeRoots": ["$root/node_modules/@types"], "types": ["node"] }, "files": [$files] }
JSON
  "${tsc[@]}" -p "$app/tsconfig.$module.json" || fail "tsc --strict, module $module"
  say "TypeScript --strict, module $module: types check"
done
node "$root/node_modules/jest/bin/jest.js" --rootDir "$app" --config '{"testEnvironment":"node","transform":{}}' \
  --runInBand --ci "$app/jest" >&2 || fail "Jest"

app=$(consumer musl env LIBC=musl)
case $(loaded "$app") in */build/Release/fs_flock.node) ;; *) fail "LIBC=musl loaded $(loaded "$app")";; esac
(cd "$app" && LIBC=musl node cjs.cjs) >&2
say "no matching prebuild (LIBC=musl): compiled from source"

app=$(consumer from-source env npm_config_build_from_source=true)
case $(loaded "$app") in */build/Release/fs_flock.node) ;; *) fail "--build-from-source loaded $(loaded "$app")";; esac
(cd "$app" && node cjs.cjs) >&2
say "--build-from-source: compiled from source"
