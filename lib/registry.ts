// The lock objects of this thread, held and pending, by file (device:inode) and by fd number. It lets a
// synchronous wait that could never end fail with EDEADLK, and refuses a second lock object on one open file.
// An fd number is never trusted twice: an entry whose number the kernel has handed out again is dropped.
import { holdsLock } from './platform';

export interface Entry {
  readonly fd: number;
  readonly key: string;
  readonly shared: boolean;
  /** Set for a lock object: called when its fd turns out to have been closed behind its back. */
  readonly lost?: () => void;
}

const byKey = new Map<string, Set<Entry>>();
const byFd = new Map<number, Set<Entry>>();

function add<K>(map: Map<K, Set<Entry>>, k: K, e: Entry): void {
  let set = map.get(k);
  if (!set) map.set(k, (set = new Set()));
  set.add(e);
}

function remove<K>(map: Map<K, Set<Entry>>, k: K, e: Entry): void {
  const set = map.get(k);
  if (set?.delete(e) && set.size === 0) map.delete(k);
}

export function register(e: Entry): void {
  add(byKey, e.key, e);
  add(byFd, e.fd, e);
}

export function unregister(e: Entry): void {
  remove(byKey, e.key, e);
  remove(byFd, e.fd, e);
}

/** fs-flock has just been given `fd` by open(): whatever was recorded under that number lost its file. */
export function fdReused(fd: number): void {
  for (const e of [...(byFd.get(fd) ?? [])]) {
    unregister(e);
    e.lost?.();
  }
}

/**
 * What a new lock object on `fd` (naming the file `key`) would collide with: 'fd' when a lock object already holds
 * this very fd, 'lock' when one holds the file in a conflicting mode, else null.
 */
export function conflicts(key: string, fd: number, shared: boolean): 'fd' | 'lock' | null {
  let found: 'lock' | null = null;
  for (const other of [...(byKey.get(key) ?? [])]) {
    if (other.fd === fd) {
      // The same number and file, but a lock object's lock is gone if this open file holds none (Linux can tell):
      // its fd was closed and the number reused for another open of the same file.
      if (!other.lost || holdsLock(fd) !== false) return 'fd';
      unregister(other);
      other.lost();
      continue;
    }
    if (!(shared && other.shared)) found = 'lock';
  }
  return found;
}
