// Loads the native addon (a prebuild from prebuilds/, else build/Release) and types its internal surface.
// Internal: every function returns 0 (or an id) on success and a negative libuv-style error number on failure.
import * as path from 'node:path';

export interface Binding {
  /** Platform values of the error numbers the JS layer compares against. */
  readonly codes: { readonly EAGAIN: number; readonly ECANCELED: number; readonly ETIMEDOUT: number };
  /** flock/LockFileEx; without LOCK_NB it blocks the calling thread. */
  lock(fd: number, op: number): number;
  /** Releases every lock of the open file; unlocked is not an error. */
  unlock(fd: number): number;
  /** Turns the open file's EX lock into SH (on Windows SH is added before EX is dropped). */
  downgrade(fd: number): number;
  /** A blocking lock bounded by `ms`, waited for on a helper thread; ETIMEDOUT when it runs out. */
  lockTimed(fd: number, op: number, ms: number): number;
  /** Starts a blocking wait on a dedicated thread: an id (> 0) whose result reaches the dispatch function. */
  wait(fd: number, op: number): number;
  /** Interrupts a wait; its result becomes ECANCELED unless it had already finished. */
  cancel(id: number): void;
  /** The Windows error number of this thread's last failure (0 elsewhere). */
  lastError(): number;
  setDispatch(fn: (id: number, result: number, osError: number) => void): void;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const load: (dir: string) => Binding = require('node-gyp-build');

export const binding: Binding = load(path.join(__dirname, '..'));
