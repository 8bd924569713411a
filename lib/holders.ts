// Diagnostics: which processes hold flock(2) locks on a file, read from Linux's /proc/locks.
import * as fs from 'node:fs';
import { FdLike, isPathTarget, toFd } from './validate';

export interface LockHolder {
  /** The process that took the lock (after a fork, possibly its parent). */
  pid: number;
  mode: 'shared' | 'exclusive';
}

/** The flock holders of the file with this device and inode, or `null` where the platform cannot tell. */
function holdersOf(dev: bigint, ino: bigint): LockHolder[] | null {
  if (process.platform !== 'linux') return null;
  let table: string;
  try {
    table = fs.readFileSync('/proc/locks', 'utf8');
  } catch {
    return null;
  }
  // The kernel prints MAJOR:MINOR in hex; userspace st_dev packs them as glibc's makedev() does.
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  const holders: LockHolder[] = [];
  // "1: FLOCK  ADVISORY  WRITE 1234 fe:00:2187523 0 EOF"; lines with "->" are blocked waiters, not holders.
  for (const m of table.matchAll(/^\d+: FLOCK\s+\S+\s+(READ|WRITE)\s+(-?\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/gm)) {
    if (BigInt(`0x${m[3]}`) === major && BigInt(`0x${m[4]}`) === minor && BigInt(m[5]) === ino) {
      holders.push({ pid: Number(m[2]), mode: m[1] === 'READ' ? 'shared' : 'exclusive' });
    }
  }
  return holders;
}

export function describeHolders(holders: LockHolder[] | null): string {
  if (!holders?.length) return '';
  return `lock held by ${holders.map((h) => `pid ${h.pid} (${h.mode})`).join(', ')}`;
}

/**
 * The processes holding flock locks on a file (a path, fd or FileHandle), from /proc/locks: `[{ pid, mode }]`,
 * empty when nobody holds one. `null` where the platform cannot tell (everywhere but Linux).
 * @throws `ENOENT` and other errors from stat; argument errors as the other functions.
 */
export function holders(target: string | URL | Buffer | FdLike): LockHolder[] | null {
  const st = isPathTarget(target)
    ? fs.statSync(target, { bigint: true })
    : fs.fstatSync(toFd(target, 'target'), { bigint: true });
  return holdersOf(st.dev, st.ino);
}
