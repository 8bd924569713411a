// The low-level API: flock(2) on a file descriptor, synchronous and asynchronous, with the same semantics on
// every platform (LockFileEx/UnlockFileEx over the whole file on Windows).
import { binding } from './binding';
import { abortError, systemError } from './errors';
import { LOCK_SYSCALL, UNLOCK_SYSCALL } from './platform';
import { LOCK_EX, LOCK_NB, LOCK_SH, LOCK_UN } from './constants';
import { FdLike, FlockOp, toBoolean, toFd, toOp, toOptions, toSignal, toTimeout } from './validate';
import { lockAsync, lockSync } from './waits';

export interface FlockSyncOptions {
  /** Give up after this many milliseconds (0 to 2**31-1, or Infinity) with an `ETIMEDOUT` error. */
  timeout?: number;
}

export interface FlockOptions extends FlockSyncOptions {
  /** Abort the wait: the promise rejects with an `AbortError` and nothing stays locked. */
  signal?: AbortSignal;
}

export interface TryLockOptions {
  /** Take a shared lock instead of an exclusive one. Default `false`. */
  shared?: boolean;
}

function check(r: number, syscall: string): void {
  if (r !== 0) throw systemError(r, syscall, undefined, binding.lastError());
}

/** A validated op that completes at once: LOCK_UN, or anything with LOCK_NB. */
function applyNow(file: number, bits: number): void {
  if (bits & LOCK_UN) check(binding.unlock(file), UNLOCK_SYSCALL);
  else check(binding.lock(file, bits), LOCK_SYSCALL);
}

/**
 * Applies or removes a lock, like flock(2), and blocks the calling thread until it is done. With `LOCK_NB`,
 * contention throws an `EAGAIN` error on every platform. A blocking op waits as long as it takes, or at most
 * `options.timeout` milliseconds; use {@link flock} to wait without blocking the event loop.
 *
 * @param fd a file descriptor or a `FileHandle`
 * @param op `LOCK_SH`, `LOCK_EX` or `LOCK_UN` (each optionally `| LOCK_NB`); or `'sh' | 'ex' | 'shnb' | 'exnb' | 'un'`
 * @throws `ERR_INVALID_ARG_TYPE`, `ERR_OUT_OF_RANGE`, `ERR_INVALID_ARG_VALUE` for bad arguments;
 *   `EAGAIN` (contention with `LOCK_NB`), `ETIMEDOUT` (nothing is then held), `EBADF`, `ENOLCK` and other
 *   system errors.
 */
export function flockSync(fd: FdLike, op: FlockOp, options?: FlockSyncOptions): void {
  if (options === undefined && typeof fd === 'number' && (fd | 0) === fd && fd >= 0) {
    // The common calls, valid at a glance: one native call and nothing else.
    if (op === LOCK_EX || op === LOCK_SH) return check(binding.lock(fd, op), LOCK_SYSCALL);
    if (op === LOCK_UN) return check(binding.unlock(fd), UNLOCK_SYSCALL);
  }
  const file = toFd(fd);
  const bits = toOp(op);
  const timeout = options === undefined ? undefined : toTimeout(toOptions<FlockSyncOptions>(options, ['timeout']).timeout);
  if (bits & (LOCK_UN | LOCK_NB)) return applyNow(file, bits);
  lockSync(file, bits, timeout);
}

/**
 * Applies or removes a lock, like flock(2), without blocking the event loop. A contended blocking op waits in
 * the kernel on a dedicated thread (never the libuv thread pool), queued behind earlier waiters on the same
 * file in this process. Non-blocking ops and `LOCK_UN` settle at once.
 *
 * @throws (rejects) as {@link flockSync}, plus an `AbortError` (`ABORT_ERR`) when `options.signal` aborts.
 *   After a timeout or an abort nothing is locked, even if the kernel granted the lock while it was cancelled.
 */
export async function flock(fd: FdLike, op: FlockOp, options?: FlockOptions): Promise<void> {
  const file = toFd(fd);
  const bits = toOp(op);
  const opts = toOptions<FlockOptions>(options, ['timeout', 'signal']);
  const timeout = toTimeout(opts.timeout);
  const signal = toSignal(opts.signal);
  if (bits & (LOCK_UN | LOCK_NB)) {
    if (signal?.aborted) throw abortError(signal);
    return applyNow(file, bits);
  }
  return lockAsync(file, bits, timeout, signal) ?? undefined; // granted at once: no promise to wait for
}

/**
 * Tries once to lock `fd`: `true` if it is now locked, `false` if another open file holds a conflicting lock.
 * Every other failure throws. On POSIX, a failed attempt to turn a shared lock into an exclusive one drops
 * the shared lock (flock(2) converts by unlocking first).
 */
export function tryLock(fd: FdLike, options?: TryLockOptions): boolean {
  const file = toFd(fd);
  const shared = toBoolean(toOptions<TryLockOptions>(options, ['shared']).shared, 'options.shared');
  const r = binding.lock(file, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB);
  if (r === binding.codes.EAGAIN) return false;
  check(r, LOCK_SYSCALL);
  return true;
}

/** Removes every lock this open file holds. Unlocking an unlocked file does nothing. */
export function unlock(fd: FdLike): void {
  check(binding.unlock(toFd(fd)), UNLOCK_SYSCALL);
}

export { LOCK_EX, LOCK_NB, LOCK_SH, LOCK_UN };
