// Who holds flock(2) locks on a file, from Linux's /proc/locks.
import * as fs from 'node:fs';

export interface LockHolder {
  /** The process that took the lock (after a fork, possibly its parent). */
  pid: number;
  mode: 'shared' | 'exclusive';
}

/** The flock holders of the file with this `device:inode` key, or `null` where the platform cannot tell. */
export function holdersOf(key: string): LockHolder[] | null {
  if (process.platform !== 'linux') return null;
  let table: string;
  try {
    table = fs.readFileSync('/proc/locks', 'latin1');
  } catch {
    return null;
  }
  const [dev, ino] = key.split(':').map(BigInt);
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
