#!/usr/bin/env bash
# How long a crashed MooseFS client keeps its lock (README, Across machines): client B takes a lock, then its
# mfsmount and the holder are SIGKILLed together, as in a machine crash; prints how long client A then waits for the
# lock. About two minutes with SESSION_SUSTAIN_TIME at its minimum (60 s), so it is a measurement, not a CI test.
# Root; the packages of scripts/test-cluster.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
state=$(mktemp -d /tmp/fs-flock-crash.XXXXXX)
trap 'bash scripts/cluster.sh down "$state"; rm -rf "$state"' EXIT
FS_FLOCK_CLUSTER_SESSION_SUSTAIN=60 bash scripts/cluster.sh up "$state" >/dev/null
touch "$state/a/x.lock"
flock "$state/b/x.lock" sleep 1000 &
holder=$!
for _ in $(seq 100); do flock -n "$state/a/x.lock" true || break; sleep 0.05; done
kill -9 "$(cat "$state/b.pid")" "$holder"
started=$(date +%s%N)
flock -w 600 "$state/a/x.lock" true
echo "measure-cluster-crash: client A got the lock $(( ($(date +%s%N) - started) / 1000000 )) ms after client B crashed (SESSION_SUSTAIN_TIME = 60 s)"
