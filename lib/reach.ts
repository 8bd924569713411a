// How far a lock reaches: lockReach(target) tells whether flock(2) locks on a file exclude only this machine's
// processes or every machine that mounts its filesystem, from the filesystem and its mount options.
// Linux: /proc/self/mountinfo (see man 5 proc). macOS: statfs(2)'s type name and MNT_LOCAL. Windows: whether the
// handle is remote (GetFileInformationByHandleEx FileRemoteProtocolInfo) and the volume's filesystem name.
import * as fs from 'node:fs';
import { binding } from './binding';
import { invalidArgValue } from './errors';
import { FdLike, isPathTarget, toFd } from './validate';

export type Reach = 'machine' | 'network' | 'unknown';

export interface LockReach {
  /**
   * `'machine'`: locks exclude the processes of this machine only (a local disk, tmpfs, or a network filesystem
   * that keeps flock locks local); `'network'`: every machine that mounts the filesystem; `'unknown'`: fs-flock
   * cannot tell.
   */
  reach: Reach;
  /** The filesystem type: `ext4`, `tmpfs`, `nfs4`, `fuse.mfs`, `fuse.glusterfs`, `cifs`, `apfs`, `NTFS`, ... */
  filesystem: string;
}

// Linux filesystems whose flock locks live in this kernel alone.
const LOCAL = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'f2fs', 'jfs', 'reiserfs', 'nilfs2', 'bcachefs', 'zfs',
  'vfat', 'msdos', 'exfat', 'ntfs', 'ntfs3', 'hfs', 'hfsplus', 'udf', 'iso9660', 'squashfs', 'erofs', 'tmpfs', 'ramfs',
  'devtmpfs', 'overlay', 'proc', 'sysfs', 'hugetlbfs', 'mqueue', 'fuseblk', 'fuse.sshfs', 'fuse.rclone', 'fuse.s3fs']);
// ... and those whose flock locks reach every client: cluster filesystems with a lock service of their own.
const SHARED = new Set(['fuse.mfs', 'fuse.glusterfs', 'fuse.ceph-fuse', 'ceph', 'fuse.juicefs', 'gfs2', 'ocfs2']);

const MAC_NETWORK = new Set(['nfs', 'smbfs', 'afpfs', 'webdav']);

/** What mountinfo escapes (space, tab, newline, backslash, '#') as \ooo. */
const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));

/** The mount a device number belongs to: its type, source and options, from /proc/self/mountinfo. */
function mountOf(dev: bigint): { type: string; source: string; options: string[]; mountPoint: string } | null {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  const id = `${major}:${minor}`;
  let found = null;
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    // "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue"
    const fields = line.split(' ');
    if (fields[2] !== id) continue;
    const dash = fields.indexOf('-', 6);
    if (dash < 0) continue;
    const options = [...fields[5].split(','), ...(fields[dash + 3] ?? '').split(',')];
    found = { type: fields[dash + 1], source: unescape(fields[dash + 2] ?? ''), options, mountPoint: unescape(fields[4]) };
  }
  return found; // the last match: the most recent mount of the device
}

/** Linux: the reach of a filesystem type with these mount options. */
export function classify(type: string, source: string, options: string[], mfsParams: () => string | null): LockReach {
  const has = (o: string): boolean => options.includes(o);
  // MooseFS mounts as plain "fuse" with source "mfs#master:port"; its bsd locks are the master's unless turned off.
  const filesystem = type === 'fuse' && source.startsWith('mfs#') ? 'fuse.mfs' : type;
  if (filesystem === 'fuse.mfs') {
    const params = mfsParams();
    if (params === null) return { reach: 'unknown', filesystem };
    return { reach: /^mfsnobsdlocks: (?!\(not defined\))/m.test(params) ? 'machine' : 'network', filesystem };
  }
  if (filesystem === 'nfs' || filesystem === 'nfs4') {
    // Linux turns flock into a whole-file byte-range lock on the server, unless it keeps flock locks local.
    const local = has('nolock') || has('local_lock=flock') || has('local_lock=all');
    return { reach: local ? 'machine' : 'network', filesystem };
  }
  if (filesystem === 'cifs' || filesystem === 'smb3') return { reach: has('nobrl') ? 'machine' : 'network', filesystem };
  if (LOCAL.has(filesystem)) return { reach: 'machine', filesystem };
  if (SHARED.has(filesystem)) return { reach: 'network', filesystem };
  return { reach: 'unknown', filesystem };
}

/**
 * How far flock(2) locks on a file reach (a path, fd or `FileHandle`): `{ reach, filesystem }`.
 * @throws `ENOENT` and other errors from stat (or, outside Linux, from opening a path); argument errors.
 */
export function lockReach(target: string | URL | Buffer | FdLike): LockReach {
  if (isPathTarget(target) && target.toString().length === 0) throw invalidArgValue('target', target, 'must be a non-empty path');
  if (process.platform === 'linux') {
    return reachOfDevice(isPathTarget(target) ? fs.statSync(target, { bigint: true }).dev : fs.fstatSync(toFd(target, 'target'), { bigint: true }).dev);
  }
  const fd = isPathTarget(target) ? fs.openSync(target, 'r') : toFd(target, 'target');
  try {
    const info = binding.fsInfo(fd);
    if (typeof info === 'number') return { reach: 'unknown', filesystem: 'unknown' };
    const [filesystem, local] = info;
    // Windows: a remote handle's locks are the server's (SMB enforces LockFileEx for every client).
    if (process.platform === 'win32') return { reach: local ? 'machine' : 'network', filesystem };
    // macOS: network filesystems that send locks to the server; other non-local ones (FUSE) cannot be told.
    if (MAC_NETWORK.has(filesystem)) return { reach: 'network', filesystem };
    return { reach: local ? 'machine' : 'unknown', filesystem };
  } finally {
    if (isPathTarget(target)) fs.closeSync(fd);
  }
}

/** Linux: the reach of the filesystem that holds device `dev` (st_dev). */
export function reachOfDevice(dev: bigint): LockReach {
  const mount = mountOf(dev);
  if (mount === null) return { reach: 'unknown', filesystem: 'unknown' };
  // MooseFS lists its mount options in the hidden file .params at the root of every mount.
  const params = (): string | null => {
    try {
      return fs.readFileSync(`${mount.mountPoint}/.params`, 'latin1');
    } catch {
      return null;
    }
  };
  return classify(mount.type, mount.source, mount.options, params);
}
