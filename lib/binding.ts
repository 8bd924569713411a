// Loads the native addon (a prebuild from prebuilds/, else build/Release) and types its internal surface.
// Internal: every function returns 0 (or an id) on success and a negative libuv-style error number on failure.
// Each call runs on the calling JavaScript thread; a blocking wait started by wait() runs on a native pool thread.
import * as path from 'node:path';

export interface Binding {
  /** Platform values of the error numbers the JS layer compares against. */
  readonly codes: { readonly EAGAIN: number; readonly ECANCELED: number; readonly ETIMEDOUT: number };
  /** flock/LockFileEx; without LOCK_NB it blocks the calling thread. */
  lock(fd: number, op: number): number;
  /** Releases every lock of the open file; unlocked is not an error. */
  unlock(fd: number): number;
  /** Turns the open file's EX lock into SH without waiting; EAGAIN: the lock was lost to another process (POSIX). */
  downgrade(fd: number): number;
  /** A blocking lock bounded by `ms`, waited for on a helper thread; ETIMEDOUT (nothing held) when it runs out. */
  lockTimed(fd: number, op: number, ms: number): number;
  /**
   * Blocking waits on every fd at once (pool threads) while this thread sleeps: the index of the fd now locked, or
   * a negative error (ETIMEDOUT after `ms`; `ms` -1: no limit). Only the returned fd holds a lock afterwards.
   */
  lockAny(fds: number[], op: number, ms: number): number;
  /**
   * Starts a blocking wait on a native thread, through fs-flock's own reference to the open file: an id (> 0),
   * whose result reaches `done`, which returns `true` to take it (a grant it does not take is undone).
   */
  wait(fd: number, op: number, done: (result: number, osError: number) => boolean): number;
  /** Ends a pending wait: `true` if it was pending; it then holds nothing and `done` is never called. */
  cancel(id: number): boolean;
  /**
   * Registers an fd that a lock object opened on a path: if this thread's environment ends (worker terminated,
   * process exit) while it is still open on the same file, the addon unlocks it. 0 or a negative error (Windows).
   */
  own(fd: number): number;
  /** Forgets an fd given to `own`, before fs-flock closes it. */
  disown(fd: number): number;
  /** Clears FD_CLOEXEC, so the fd survives exec (the CLI's --no-fork): 0 or a negative error; ENOSYS on Windows. */
  keepOnExec(fd: number): number;
  /** macOS and Windows: the filesystem's name and whether it is local (1) or not (0); ENOSYS on Linux. */
  fsInfo(fd: number): [string, number] | number;
  /** The Windows error number of this thread's last failure (0 elsewhere). */
  lastError(): number;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const load: (dir: string) => Binding = require('node-gyp-build');

export const binding: Binding = load(path.join(__dirname, '..'));
