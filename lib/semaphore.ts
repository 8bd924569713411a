// Semaphore: at most `slots` holders at once across processes. Slot i is an exclusive flock(2) lock on the file
// `${path}.${i}`, so every program that locks those files (flock(1), Python, ...) takes part. A waiter waits in the
// kernel on every slot at once and keeps the first one granted: no polling. Within a process the per-file queues
// of waits.ts serve waiters FIFO and park one kernel wait per slot file, however many waiters there are.
import { fileURLToPath } from 'node:url';
import { binding } from './binding';
import { abortError, deadlockError, invalidArgType, outOfRange, systemError, timeoutError } from './errors';
import { ExclusiveLock, lockedObject, openForLock } from './lock';
import { closeLockFile } from './lockfile';
import type { LockFile } from './lockfile';
import { LOCK_SYSCALL } from './platform';
import { conflicts } from './registry';
import { LOCK_EX } from './constants';
import { toOptions, toSignal, toTimeout } from './validate';

/** The most slots a semaphore may have: each waiting process parks up to one kernel wait (a thread) per slot. */
export const MAX_SLOTS = 64;

export interface SemaphoreSyncOptions {
  /** How many holders at once: an integer from 1 to `MAX_SLOTS` (64). Every user of the path must agree on it. */
  slots: number;
  /** Give up after this many milliseconds with `ETIMEDOUT` (0 tries once). Default: wait as long as it takes. */
  timeout?: number;
}

export interface SemaphoreOptions extends SemaphoreSyncOptions {
  /** Abort the wait with an `AbortError`; no slot stays held. */
  signal?: AbortSignal;
}

export type TrySemaphoreOptions = Pick<SemaphoreOptions, 'slots'>;

/** One slot of a semaphore, held until `release()` (or `using` / `await using`). */
export class Slot implements Disposable, AsyncDisposable {
  readonly #lock: ExclusiveLock;
  /** Which slot, from 0 to `slots - 1`. */
  readonly index: number;

  /** @internal */
  constructor(lock: ExclusiveLock, index: number) {
    this.#lock = lock;
    this.index = index;
  }

  /** The slot's own lock file, `${path}.${index}`. */
  get path(): string {
    return this.#lock.path as string;
  }

  /** `true` until the slot is released. */
  get held(): boolean {
    return this.#lock.held;
  }

  /** Gives the slot back (idempotent); a waiter of any process may take it at once. */
  release(): void {
    this.#lock.release();
  }

  [Symbol.dispose](): void {
    this.release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.release();
  }
}

function slotPaths(path: unknown, options: unknown, keys: readonly (keyof SemaphoreOptions)[]): { paths: string[]; opts: Partial<SemaphoreOptions> } {
  if (typeof path !== 'string' && !(path instanceof URL)) throw invalidArgType('path', 'of type string or an instance of URL', path);
  const opts = toOptions<SemaphoreOptions>(options, keys);
  const { slots } = opts;
  if (typeof slots !== 'number') throw invalidArgType('options.slots', 'of type number', slots);
  if (!Number.isInteger(slots) || slots < 1 || slots > MAX_SLOTS) throw outOfRange('options.slots', `an integer >= 1 && <= ${MAX_SLOTS}`, slots);
  const base = path instanceof URL ? fileURLToPath(path) : path;
  return { paths: Array.from({ length: slots }, (_, i) => `${base}.${i}`), opts };
}

/** One non-blocking try of each slot in turn. */
function tryEach(paths: string[]): Slot | null {
  for (const [i, p] of paths.entries()) {
    const lock = ExclusiveLock.tryAcquireSync(p);
    if (lock) return new Slot(lock, i);
  }
  return null;
}

/** A grant nobody wants, released; a failure (unlocking a file fs-flock opened itself) has nobody to go to. */
function releaseQuietly(lock: ExclusiveLock): void {
  try {
    lock.release();
  } catch {}
}

/** Waits for whichever slot comes free first, without blocking the event loop. */
async function acquire(path: string | URL, options: SemaphoreOptions): Promise<Slot> {
  const { paths, opts } = slotPaths(path, options, ['slots', 'timeout', 'signal']);
  const timeout = toTimeout(opts.timeout);
  const signal = toSignal(opts.signal);
  if (signal?.aborted) throw abortError(signal);
  const free = tryEach(paths);
  if (free) return free;
  if (timeout === 0) throw timeoutError(0);
  // One wait per slot; the first grant wins and is handed over at once, then the other waits are aborted (a grant
  // that raced them is released). A failure is reported only once every wait has settled: nothing is held then.
  const losers = new AbortController();
  const onAbort = () => losers.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  return new Promise<Slot>((resolve, reject) => {
    let winner: Slot | null = null;
    let failure: unknown = null;
    let pending = paths.length;
    for (const [i, p] of paths.entries()) {
      ExclusiveLock.acquire(p, { timeout, signal: losers.signal }).then(
        (lock) => {
          if (winner || failure) return releaseQuietly(lock);
          resolve((winner = new Slot(lock, i)));
          setImmediate(() => losers.abort());
        },
        (err) => {
          if (winner || failure) return;
          failure = signal?.aborted ? abortError(signal) : err;
          losers.abort();
        },
      ).finally(() => {
        if (--pending > 0) return;
        signal?.removeEventListener('abort', onAbort);
        if (!winner) reject(failure);
      });
    }
  });
}

/** Waits for whichever slot comes free first, blocking the calling thread (kernel waits on pool threads). */
function acquireSync(path: string | URL, options: SemaphoreSyncOptions): Slot {
  const { paths, opts } = slotPaths(path, options, ['slots', 'timeout']);
  const timeout = toTimeout(opts.timeout);
  const free = tryEach(paths);
  if (free) return free;
  if (timeout === 0) throw timeoutError(0);
  const files: LockFile[] = [];
  let won = -1;
  try {
    for (const p of paths) files.push(openForLock(p));
    if (timeout === undefined && files.every((f) => conflicts(f.key, f.fd, false) !== null)) {
      throw deadlockError('every slot is held by this thread; waiting synchronously would never end');
    }
    const r = binding.lockAny(files.map((f) => f.fd), LOCK_EX, timeout ?? -1);
    if (r === binding.codes.ETIMEDOUT) throw timeoutError(timeout!);
    if (r < 0) throw systemError(r, LOCK_SYSCALL, undefined, binding.lastError());
    won = r;
  } finally {
    for (const [i, f] of files.entries()) if (i !== won) closeLockFile(f);
  }
  return new Slot(lockedObject(files[won]), won);
}

/** One non-blocking try of every slot: a slot, or `null` when all are taken. */
function tryAcquireSync(path: string | URL, options: TrySemaphoreOptions): Slot | null {
  return tryEach(slotPaths(path, options, ['slots']).paths);
}

/**
 * At most `slots` holders at once, across every process (and thread) that uses the same path and slot count.
 * @throws argument errors (`ERR_INVALID_ARG_TYPE`, `ERR_OUT_OF_RANGE` for `slots`); `ETIMEDOUT`; `AbortError`;
 *   `EDEADLK` (acquireSync without a timeout while this thread holds every slot); errors from opening the files.
 */
export const Semaphore = Object.freeze({
  acquire,
  acquireSync,
  tryAcquire: async (path: string | URL, options: TrySemaphoreOptions): Promise<Slot | null> => tryAcquireSync(path, options),
  tryAcquireSync,
});

/** Runs `fn(slot)` holding a slot, and gives the slot back when `fn` settles; `fn`'s result or error passes through. */
export async function withSemaphore<T>(path: string | URL, fn: (slot: Slot) => T | Promise<T>, options: SemaphoreOptions): Promise<T> {
  if (typeof fn !== 'function') throw invalidArgType('fn', 'of type function', fn);
  const slot = await acquire(path, options);
  try {
    return await fn(slot);
  } finally {
    slot.release();
  }
}
