#!/usr/bin/env bash
# A MooseFS and a GlusterFS cluster on this machine, for the cross-client tests (test/cluster/):
#   scripts/cluster.sh up STATE    servers (MooseFS master and chunkserver, glusterd and one brick) in network
#                                  namespace fsf-srv at 10.200.0.2; client A (STATE/a for MooseFS, STATE/ga for
#                                  GlusterFS) in this namespace, at 10.200.0.1; client B (STATE/b, STATE/gb) in
#                                  namespace fsf-cli at 10.200.0.3, a second machine as far as the lock protocols
#                                  can tell. Prints "ready" once each client pair sees each other's files.
#   scripts/cluster.sh down STATE  stops everything by PID, unmounts, removes the namespaces and links.
# Only addresses of the bridge and veth pairs made here are used (10.200.0.0/24); the chunkserver refuses a
# 127/8 master. Client B runs under `nsenter --net`, not `ip netns exec`, whose private mount namespace would hide
# its mount from the tests. Needs root, /dev/fuse and iproute2; apt packages moosefs-master, moosefs-chunkserver,
# moosefs-client, glusterfs-server, glusterfs-client and bindfs (STATE/bindfs: a FUSE filesystem fs-flock does not
# know); scripts/test-cluster.sh installs them. glusterd keeps its state in /var/lib/glusterd: the volume (fsf) is
# deleted again by down.
set -euo pipefail
cmd=${1:?up or down}
state=$(realpath -m "${2:?state directory}")
SRV=fsf-srv CLI=fsf-cli BR=fsf-br0

down() {
  for m in "$state/bindfs" "$state/gb" "$state/ga" "$state/b" "$state/a"; do
    mountpoint -q "$m" 2>/dev/null && { umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; }
  done
  if [ -e "$state/glusterd.pid" ] && kill -0 "$(cat "$state/glusterd.pid")" 2>/dev/null; then
    gluster --mode=script volume stop fsf force >/dev/null 2>&1 || true  # stops the brick process
    gluster --mode=script volume delete fsf >/dev/null 2>&1 || true
  fi
  for pidfile in "$state"/*.pid; do
    [ -e "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$pidfile"
  done
  ip netns del "$SRV" 2>/dev/null || true
  ip netns del "$CLI" 2>/dev/null || true
  ip link del "$BR" 2>/dev/null || true
  ip link del fsf-srv-h 2>/dev/null || true
  ip link del fsf-cli-h 2>/dev/null || true
}

# Starts a command in the background with its output in STATE/NAME.log and its PID in STATE/NAME.pid.
start() {
  local name=$1; shift
  "$@" >"$state/$name.log" 2>&1 &
  echo $! >"$state/$name.pid"
}

# Waits up to 30 s for a condition; on timeout prints the logs and fails.
wait_for() {
  local what=$1; shift
  for _ in $(seq 300); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "cluster: timed out waiting for $what" >&2
  tail -n 20 "$state"/*.log >&2 || true
  return 1
}

if [ "$cmd" = down ]; then down; exit 0; fi
[ "$cmd" = up ] || { echo "usage: $0 up|down STATE" >&2; exit 64; }

down # whatever an earlier run left
rm -rf "$state" && mkdir -p "$state"/{master,chunk,hdd,a,b,brick,ga,gb,bindsrc,bindfs}

ip link add "$BR" type bridge
ip addr add 10.200.0.1/24 dev "$BR"
ip link set "$BR" up
n=2
for ns in "$SRV" "$CLI"; do
  ip netns add "$ns"
  ip link add "$ns-h" type veth peer name "$ns-n"
  ip link set "$ns-n" netns "$ns"
  ip link set "$ns-h" master "$BR" up
  ip -n "$ns" addr add "10.200.0.$n/24" dev "$ns-n"
  ip -n "$ns" link set "$ns-n" up
  ip -n "$ns" link set lo up
  n=$((n + 1))
done

cp /var/lib/mfs/metadata.mfs.empty "$state/master/metadata.mfs"
printf '*\t/\trw,alldirs,maproot=0:0\n' >"$state/exports.cfg"
cat >"$state/master.cfg" <<EOF
WORKING_USER = root
WORKING_GROUP = root
DATA_PATH = $state/master
EXPORTS_FILENAME = $state/exports.cfg
MATOML_LISTEN_HOST = 10.200.0.2
MATOCS_LISTEN_HOST = 10.200.0.2
MATOCL_LISTEN_HOST = 10.200.0.2
SESSION_SUSTAIN_TIME = ${FS_FLOCK_CLUSTER_SESSION_SUSTAIN:-60}
EOF
echo "$state/hdd" >"$state/hdd.cfg"
cat >"$state/chunk.cfg" <<EOF
WORKING_USER = root
WORKING_GROUP = root
DATA_PATH = $state/chunk
HDD_CONF_FILENAME = $state/hdd.cfg
HDD_LEAVE_SPACE_DEFAULT = 64MiB
MASTER_HOST = 10.200.0.2
BIND_HOST = 10.200.0.2
CSSERV_LISTEN_HOST = 10.200.0.2
EOF

start master ip netns exec "$SRV" mfsmaster -f -c "$state/master.cfg" start
wait_for "the master" ip netns exec "$SRV" bash -c 'exec 3<>/dev/tcp/10.200.0.2/9421'
start chunk ip netns exec "$SRV" mfschunkserver -f -c "$state/chunk.cfg" start
start a mfsmount -f -H 10.200.0.2 -o mfssubfolder=/ "$state/a"
start b nsenter --net="/run/netns/$CLI" mfsmount -f -H 10.200.0.2 -o mfssubfolder=/ "$state/b"
wait_for "client A's mount" mountpoint -q "$state/a"
wait_for "client B's mount" mountpoint -q "$state/b"
# Writable (a chunkserver has registered) and shared: a file written through A is read through B.
wait_for "a chunkserver" bash -c "echo ok >'$state/a/.ready' && [ \"\$(cat '$state/b/.ready')\" = ok ]"
rm -f "$state/a/.ready"

start glusterd ip netns exec "$SRV" glusterd -N --log-file="$state/glusterd.log"
wait_for "glusterd" gluster --mode=script pool list
gluster --mode=script volume stop fsf force >/dev/null 2>&1 || true  # an earlier run's, if it was not deleted
gluster --mode=script volume delete fsf >/dev/null 2>&1 || true
gluster --mode=script volume create fsf "10.200.0.2:$state/brick" force >/dev/null
# Its client caches, and the kernel's FUSE entry and attribute caches, serve stale data and stale names under a
# correct lock (measured: a counter incremented 300 times from each client with removeOnRelease ended at 400, 423
# and 593 of 600): both off, as README, Across machines, advises.
for option in performance.write-behind performance.quick-read performance.io-cache performance.read-ahead \
  performance.open-behind performance.stat-prefetch performance.readdir-ahead; do
  gluster --mode=script volume set fsf "$option" off >/dev/null
done
gluster --mode=script volume start fsf >/dev/null
mount -t glusterfs -o entry-timeout=0,attribute-timeout=0 10.200.0.2:/fsf "$state/ga"
nsenter --net="/run/netns/$CLI" mount -t glusterfs -o entry-timeout=0,attribute-timeout=0 10.200.0.2:/fsf "$state/gb"
wait_for "the GlusterFS clients" bash -c "echo ok >'$state/ga/.ready' && [ \"\$(cat '$state/gb/.ready')\" = ok ]"
rm -f "$state/ga/.ready"
# And a FUSE filesystem that fs-flock does not know, for lockReach's 'unknown'.
bindfs "$state/bindsrc" "$state/bindfs"
echo ready
