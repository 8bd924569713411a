// Who holds flock(2) locks on a file, from Linux's /proc/locks.
import * as fs from 'node:fs';
import { reachOfDevice } from './reach';

export interface LockHolder {
  /** The process that took the lock (after a fork, possibly its parent). */
  pid: number;
  mode: 'shared' | 'exclusive';
}

/**
 * Every flock holder the kernel lists, by file (`device:inode`, as fileKey() names it), or `null` where the
 * platform cannot tell.
 */
export function lockTable(): Map<string, LockHolder[]> | null {
  if (process.platform !== 'linux') return null;
  let table: string;
  try {
    table = fs.readFileSync('/proc/locks', 'latin1');
  } catch {
    return null;
  }
  const files = new Map<string, LockHolder[]>();
  // "1: FLOCK  ADVISORY  WRITE 1234 fe:00:2187523 0 EOF"; lines with "->" are blocked waiters, not holders.
  for (const m of table.matchAll(/^\d+: FLOCK\s+\S+\s+(READ|WRITE)\s+(-?\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/gm)) {
    // The kernel prints MAJOR:MINOR in hex; userspace st_dev packs them as glibc's makedev() does.
    const major = BigInt(`0x${m[3]}`);
    const minor = BigInt(`0x${m[4]}`);
    const dev = (minor & 0xffn) | ((major & 0xfffn) << 8n) | ((minor & ~0xffn) << 12n) | ((major & ~0xfffn) << 32n);
    const key = `${dev}:${m[5]}`;
    if (!files.has(key)) files.set(key, []);
    files.get(key)!.push({ pid: Number(m[2]), mode: m[1] === 'READ' ? 'shared' : 'exclusive' });
  }
  return files;
}

/**
 * The flock holders of the file with this `device:inode` key, or `null` where the platform cannot tell: outside
 * Linux, and on filesystems whose locks the kernel's table does not hold or that other machines share.
 */
export function holdersOf(key: string): LockHolder[] | null {
  if (process.platform !== 'linux' || reachOfDevice(BigInt(key.split(':')[0])).reach !== 'machine') return null;
  const table = lockTable();
  return table && (table.get(key) ?? []);
}
