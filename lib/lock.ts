// Typed lock objects: ExclusiveLock and SharedLock over a path, an fd or a FileHandle, with release on dispose,
// upgrade/downgrade, and opt-in removal of the lock file. withLock and its reentrant scopes are in scopes.ts.
import { performance } from 'node:perf_hooks';
import { binding } from './binding';
import { abortError, deadlockError, illegalConstructor, invalidArgType, invalidArgValue, invalidState, outOfRange, systemError } from './errors';
import { closeLockFile, LockFile, lostLockFile, openLockFile, removeLockFile, sameFile, stillLinked } from './lockfile';
import { LOCK_SYSCALL, removedElsewhere, UNLOCK_SYSCALL } from './platform';
import { conflicts, Entry, fdReused, register, unregister } from './registry';
import { LOCK_EX, LOCK_NB, LOCK_SH } from './constants';
import { FdLike, isPathTarget, toBoolean, toOptions, toSignal, toTimeout } from './validate';
import { lockAsync, lockSync } from './waits';

/** What a lock is taken on: a path (string, `file:` URL or Buffer), or an open file (fd or `FileHandle`). */
export type LockTarget = string | URL | Buffer | FdLike;

export interface AcquireSyncOptions {
  /** Give up after this many milliseconds with `ETIMEDOUT` (0 tries once). Default: wait as long as it takes. */
  timeout?: number;
  /** For a path: the file's mode if it is created. Default `0o666` (before the umask). */
  mode?: number;
  /** For a path: create the file if it is missing. Default `true`. */
  create?: boolean;
  /**
   * For a path: delete the lock file on release. Safe only when every party locking the file uses this option
   * (each verifies after locking that the path still names the file it locked, and retries otherwise).
   * Default `false`.
   */
  removeOnRelease?: boolean;
}

export interface AcquireOptions extends AcquireSyncOptions {
  /** Abort the wait with an `AbortError`; nothing stays locked. */
  signal?: AbortSignal;
}

export type TryAcquireOptions = Omit<AcquireSyncOptions, 'timeout'>;

/** ExclusiveLock or SharedLock, as the `this` of their shared static methods. */
export interface LockClass<T> {
  readonly prototype: T;
  readonly isShared: boolean;
}

/**
 * Set by scopes.ts: the lock object that joins a withLock scope of this async chain holding `target`'s file, or
 * null. Every acquire consults it, after validating its arguments and before opening anything.
 */
let joinScope: (<T extends FileLock>(Kind: LockClass<T>, target: LockTarget) => T | null) | null = null;
/** @internal */
export function setJoinScope(hook: typeof joinScope): void {
  joinScope = hook;
}

/** Only this module makes lock objects: the constructor refuses any other caller. */
const MAKE = Symbol('fs-flock: make a lock object');
function make<T extends FileLock>(Kind: LockClass<T>, file: LockFile, registered = true): T {
  return new (Kind as unknown as new (token: symbol, file: LockFile, registered: boolean) => T)(MAKE, file, registered);
}

/** @internal A lock object over `lock`'s file whose release calls `leave` and touches nothing else (scopes.ts). */
export let partOf: <T extends FileLock>(Kind: LockClass<T>, lock: FileLock, leave: () => void) => T;
/** @internal The file (device:inode) a lock object holds. */
export let keyOf: (lock: FileLock) => string;

const syncKeys = ['timeout', 'mode', 'create', 'removeOnRelease'] as const;
export const asyncKeys = [...syncKeys, 'signal'] as const;

interface Plan {
  shared: boolean;
  deadline: number | undefined; // performance.now() time, or undefined: no timeout
  signal: AbortSignal | undefined;
  create: boolean;
  mode: number;
  removeOnRelease: boolean;
}

function plan(shared: boolean, options: AcquireOptions, target: LockTarget): Plan {
  const timeout = toTimeout(options.timeout);
  const create = toBoolean(options.create, 'options.create') ?? true;
  const removeOnRelease = toBoolean(options.removeOnRelease, 'options.removeOnRelease') ?? false;
  const mode = options.mode ?? 0o666;
  if (typeof mode !== 'number') throw invalidArgType('options.mode', 'of type number', mode);
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw outOfRange('options.mode', '>= 0 && <= 0o7777', mode);
  if (!isPathTarget(target) && (removeOnRelease || options.create !== undefined || options.mode !== undefined)) {
    throw invalidArgValue('options', Object.keys(options), 'has create, mode or removeOnRelease, which need a path target');
  }
  const deadline = timeout === undefined ? undefined : performance.now() + timeout;
  return { shared, deadline, signal: toSignal(options.signal), create, mode, removeOnRelease };
}

/** The time left before the deadline, in whole milliseconds (0 tries once); undefined without a timeout. */
function remaining(p: Plan): number | undefined {
  return p.deadline === undefined ? undefined : Math.max(0, Math.ceil(p.deadline - performance.now()));
}

function open(target: LockTarget, p: Plan): LockFile {
  const file = openLockFile(target, p);
  if (file.path !== null) fdReused(file.fd);
  return file;
}

/** @internal For semaphore.ts: a path opened (and created) as acquire opens it, and the lock object for it once locked. */
export function openForLock(path: string): LockFile {
  return open(path, plan(false, {}, path));
}
/** @internal */
export const lockedObject = (file: LockFile): ExclusiveLock => make(ExclusiveLock, file);

/** After a grant: the lock, or null when a releasing holder unlinked the file (removeOnRelease): try again. */
function adopt<T extends FileLock>(Kind: LockClass<T>, file: LockFile): T | null {
  if (stillLinked(file)) return make(Kind, file);
  binding.unlock(file.fd);
  closeLockFile(file);
  return null;
}

function sameFdError(fd: number): Error {
  return deadlockError(`fd ${fd} is already locked by another lock object in this thread`);
}

function acquireSyncImpl<T extends FileLock>(Kind: LockClass<T>, target: LockTarget, options: unknown, tryOnly: boolean): T | null {
  const keys = tryOnly ? syncKeys.filter((k) => k !== 'timeout') : syncKeys;
  const p = plan(Kind.isShared, toOptions<AcquireSyncOptions>(options, keys), target);
  const joined = joinScope?.(Kind, target);
  if (joined) return joined;
  const op = p.shared ? LOCK_SH : LOCK_EX;
  for (;;) {
    const file = open(target, p);
    try {
      const conflict = conflicts(file.key, file.fd, p.shared);
      if (conflict === 'fd' && !tryOnly) throw sameFdError(file.fd);
      const r = conflict === 'fd' ? binding.codes.EAGAIN : binding.lock(file.fd, op | LOCK_NB);
      if (r === binding.codes.EAGAIN && tryOnly) {
        closeLockFile(file);
        return null;
      }
      if (r === binding.codes.EAGAIN) {
        // The holder is a lock object of this very thread, which cannot run while this thread is blocked.
        if (conflict && p.deadline === undefined) throw deadlockError('a lock object in this thread holds a conflicting lock; waiting synchronously would never end');
        lockSync(file.fd, op, remaining(p));
      } else if (r !== 0) {
        throw systemError(r, LOCK_SYSCALL, undefined, binding.lastError());
      }
    } catch (err) {
      closeLockFile(file);
      if (file.removeOnRelease && removedElsewhere(err)) continue; // a releasing holder on another client removed it
      throw err;
    }
    const lock = adopt(Kind, file);
    if (lock) return lock;
  }
}

async function acquireImpl<T extends FileLock>(Kind: LockClass<T>, target: LockTarget, p: Plan, first?: LockFile): Promise<T> {
  for (;;) {
    if (p.signal?.aborted) {
      if (first) closeLockFile(first);
      throw abortError(p.signal); // before a path is opened (and so created)
    }
    const file = first ?? open(target, p);
    first = undefined;
    const pending: Entry = { fd: file.fd, key: file.key, shared: p.shared }; // seen by synchronous acquirers
    try {
      if (conflicts(file.key, file.fd, p.shared) === 'fd') throw sameFdError(file.fd);
      register(pending);
      const wait = lockAsync(file.fd, p.shared ? LOCK_SH : LOCK_EX, remaining(p), p.signal);
      if (wait) await wait; // a lock granted at once costs no promise
    } catch (err) {
      closeLockFile(file);
      if (file.removeOnRelease && removedElsewhere(err)) continue; // a releasing holder on another client removed it
      throw err;
    } finally {
      unregister(pending);
    }
    const lock = adopt(Kind, file);
    if (lock) return lock;
  }
}

/** An acquired lock, released by `release()`, by `using` / `await using`, or by closing its file. */
abstract class FileLock implements Disposable, AsyncDisposable {
  #file: LockFile | null;
  readonly #entry: Entry;
  /** For a part of a reentrant scope (scopes.ts): what its release does instead of unlocking. */
  #leave: (() => void) | null = null;
  abstract readonly shared: boolean;

  static {
    // For scopes.ts, which keeps one lock object's file locked for several parts.
    partOf = (Kind, lock, leave) => {
      const part = make(Kind, lock.#file!, false);
      part.#leave = leave;
      return part;
    };
    keyOf = (lock) => lock.#entry.key;
  }

  /** Not for callers: `ExclusiveLock.acquire()` and its kin make lock objects (this throws ERR_ILLEGAL_CONSTRUCTOR). */
  protected constructor(token: symbol, file: LockFile, registered = true) {
    if (token !== MAKE) throw illegalConstructor(new.target.name);
    this.#file = file;
    const shared = (this.constructor as unknown as LockClass<FileLock>).isShared;
    this.#entry = { fd: file.fd, key: file.key, shared, lost: () => this.#forget() };
    if (registered) register(this.#entry);
  }

  /**
   * Waits for the lock without blocking the event loop (see `flock()`): `ExclusiveLock.acquire(target)` or
   * `SharedLock.acquire(target)`.
   * @throws (rejects) argument errors; `ETIMEDOUT`; `AbortError`; `EDEADLK` when this fd is already locked by
   *   another lock object; `ENOENT`, `EISDIR`, `EACCES` from opening a path; other system errors.
   */
  static acquire<T extends FileLock>(this: LockClass<T>, target: LockTarget, options?: AcquireOptions): Promise<T> {
    try {
      const p = plan(this.isShared, toOptions<AcquireOptions>(options, asyncKeys), target);
      if (p.signal?.aborted) throw abortError(p.signal);
      const joined = joinScope?.(this, target);
      return joined ? Promise.resolve(joined) : acquireImpl(this, target, p);
    } catch (err) {
      return Promise.reject(err); // a promise either way, as from an async function
    }
  }

  /**
   * Takes the lock, blocking the calling thread while it waits.
   * @throws as `acquire`, and `EDEADLK` when, with no timeout, a lock object of this thread holds a conflicting
   *   lock on the same file: that wait could never end.
   */
  static acquireSync<T extends FileLock>(this: LockClass<T>, target: LockTarget, options?: AcquireSyncOptions): T {
    return acquireSyncImpl(this, target, options, false)!;
  }

  /** One non-blocking attempt: the lock, or `null` when the file is locked elsewhere in a conflicting mode. */
  static async tryAcquire<T extends FileLock>(this: LockClass<T>, target: LockTarget, options?: TryAcquireOptions): Promise<T | null> {
    return acquireSyncImpl(this, target, options, true);
  }

  /** One non-blocking attempt: the lock, or `null` when the file is locked elsewhere in a conflicting mode. */
  static tryAcquireSync<T extends FileLock>(this: LockClass<T>, target: LockTarget, options?: TryAcquireOptions): T | null {
    return acquireSyncImpl(this, target, options, true);
  }

  /** The locked file descriptor (owned by the lock when it was acquired on a path). */
  get fd(): number {
    return this.#entry.fd;
  }

  /** The absolute path of the file when the lock opened it (a Buffer for a Buffer target), else `null`. */
  get path(): string | Buffer | null {
    return this.#file?.path ?? null;
  }

  /** `true` until the lock is released (or handed over by upgrade/downgrade, or its fd is found closed). */
  get held(): boolean {
    return this.#file !== null;
  }

  /**
   * Releases the lock and, if it opened the file, closes it. Idempotent. If the unlock itself fails, throws
   * and stays held, so the release can be retried. With removeOnRelease, a failed removal is thrown after the
   * lock is released. An fd that was closed behind the lock's back (its number perhaps reused) is not touched.
   */
  release(): void {
    const file = this.#file;
    if (!file) return;
    if (this.#leave) {
      this.#file = null;
      return this.#leave();
    }
    if (!sameFile(file)) { // closing the fd released the lock already
      lostLockFile(file);
      return this.#forget();
    }
    let removal: unknown = null;
    if (file.removeOnRelease && this.shared) {
      // Other readers may still hold the file: remove it only if this release can take it exclusively first.
      const r = binding.unlock(file.fd);
      if (r !== 0) throw systemError(r, UNLOCK_SYSCALL, undefined, binding.lastError());
      if (binding.lock(file.fd, LOCK_EX | LOCK_NB) === 0) removal = removeLockFile(file);
    } else {
      removal = removeLockFile(file); // while still locked: a waiter then finds the inode unlinked
    }
    const r = binding.unlock(file.fd);
    if (r !== 0) throw systemError(r, UNLOCK_SYSCALL, undefined, binding.lastError());
    this.#forget();
    closeLockFile(file);
    if (removal) throw removal;
  }

  [Symbol.dispose](): void {
    this.release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.release();
  }

  /** @internal The held file, handed over to the caller: this object is released without touching it. */
  protected handOver(): LockFile {
    if (this.#leave && this.#file) throw invalidState('A lock of a reentrant withLock scope cannot be converted (other parts of the scope may share it); use { reentrant: false }');
    const file = this.#file;
    if (file && !sameFile(file)) {
      lostLockFile(file);
      this.#forget();
    }
    if (!this.#file) throw invalidState('The lock was already released');
    this.#forget();
    return file!;
  }

  #forget(): void {
    this.#file = null;
    unregister(this.#entry);
  }
}

/** An exclusive (write) lock: no other lock on the file, shared or exclusive, while it is held. */
export class ExclusiveLock extends FileLock {
  /** @internal */
  static readonly isShared = false;
  readonly shared = false;

  /**
   * Turns this lock into a shared one, without waiting, and returns it; this object is then released. Others can
   * join at once. On Windows the shared lock is taken before the exclusive one is dropped, so nobody can slip
   * in between. On POSIX flock(2) converts in place; if another process took the file during the conversion,
   * it throws `EAGAIN` and nothing is held.
   */
  downgrade(): SharedLock {
    const file = this.handOver();
    const r = binding.downgrade(file.fd);
    if (r !== 0) {
      if (r !== binding.codes.EAGAIN) binding.unlock(file.fd); // nothing may stay held by a released object
      closeLockFile(file);
      throw systemError(r, LOCK_SYSCALL, r === binding.codes.EAGAIN ? 'the lock was lost: another process took the file during the conversion to shared' : undefined, binding.lastError());
    }
    return make(SharedLock, file);
  }
}

/** A shared (read) lock: other shared locks may be held at the same time, exclusive ones may not. */
export class SharedLock extends FileLock {
  /** @internal */
  static readonly isShared = true;
  readonly shared = true;

  /**
   * Waits for an exclusive lock on the same file, and returns it. Not atomic: the shared lock is released first
   * (flock(2) converts that way, and Windows cannot convert at all), so another process may take the file in
   * between. This object is released as soon as the upgrade starts, whatever its outcome: after a timeout or an
   * abort nothing is held (and a file the lock opened is closed). With removeOnRelease, if the file was removed
   * in between, the path's new file is locked instead.
   */
  async upgrade(options?: Pick<AcquireOptions, 'timeout' | 'signal'>): Promise<ExclusiveLock> {
    const opts = toOptions<AcquireOptions>(options, ['timeout', 'signal']);
    const timeout = toTimeout(opts.timeout);
    const signal = toSignal(opts.signal);
    const file = this.handOver();
    const r = binding.unlock(file.fd);
    if (r !== 0) {
      closeLockFile(file);
      throw systemError(r, UNLOCK_SYSCALL, undefined, binding.lastError());
    }
    const deadline = timeout === undefined ? undefined : performance.now() + timeout;
    const target = file.path ?? file.fd;
    const { create, mode, removeOnRelease } = file;
    return acquireImpl(ExclusiveLock, target, { shared: false, deadline, signal, create, mode, removeOnRelease }, file);
  }
}

export type { FileLock };
