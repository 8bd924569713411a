#!/usr/bin/env bash
# `npm run test:cluster`: fs-flock across machines. Starts a MooseFS and a GlusterFS cluster (scripts/cluster.sh:
# servers and a second client in network namespaces made here), runs test/cluster/ through its two mounts, and stops it all
# again, on failure too. Where the machine cannot (no root, no /dev/fuse, no network namespaces) it says why and
# reports itself skipped. Installs what it needs with apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."
skip() { echo "test-cluster: skipped: $*" >&2; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces and FUSE mounts)"
[ -c /dev/fuse ] || skip "no /dev/fuse"
need=()
for tool in mfsmaster:moosefs-master mfschunkserver:moosefs-chunkserver mfsmount:moosefs-client glusterd:glusterfs-server mount.glusterfs:glusterfs-client bindfs:bindfs ip:iproute2 flock:util-linux; do
  command -v "${tool%%:*}" >/dev/null || need+=("${tool#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "test-cluster: apt-get install ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "${need[@]}" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "${need[@]}" >/dev/null; }
fi
ip netns add fsf-probe 2>/dev/null && ip netns del fsf-probe || skip "cannot create network namespaces"

state=$(mktemp -d /tmp/fs-flock-cluster.XXXXXX)
trap 'bash scripts/cluster.sh down "$state"; rm -rf "$state"' EXIT
started=$(date +%s%N)
timeout 60 bash scripts/cluster.sh up "$state"
echo "test-cluster: MooseFS $(mfsmaster -v 2>&1 | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -1) and GlusterFS $(glusterfs --version | grep -oE '[0-9]+\.[0-9]+' | head -1) up in $(( ($(date +%s%N) - started) / 1000000 )) ms: clients A $state/a and $state/ga, B $state/b and $state/gb (namespace fsf-cli)" >&2
npx tsc -p .
FS_FLOCK_CLUSTER="$state" timeout 600 node --test --test-concurrency=1 --test-timeout=120000 test/cluster/*.test.js
