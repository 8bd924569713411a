// Typed lock objects: ExclusiveLock and SharedLock over a path, an fd or a FileHandle, with release on dispose,
// upgrade/downgrade, opt-in removal of the lock file, and an in-thread registry that turns a synchronous
// self-deadlock into an EDEADLK error.
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { binding } from './binding';
import { invalidArgType, invalidArgValue, outOfRange, systemError, systemErrorNamed } from './errors';
import { flock, flockSync, tryLock } from './flock';
import { FdLike, isPathTarget, LOCK_EX, LOCK_SH, toBoolean, toFd, toOptions, toSignal, toTimeout } from './validate';
import { fileKey, LOCK_SYSCALL } from './waits';

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

export interface WithLockOptions extends AcquireOptions {
  /** Take a shared lock instead of an exclusive one. Default `false`. */
  shared?: boolean;
}

export type TryAcquireOptions = Omit<AcquireSyncOptions, 'timeout'>;

/** ExclusiveLock or SharedLock, as the `this` of their shared static methods. */
interface LockClass<T> {
  new (file: Opened): T;
  readonly isShared: boolean;
}

const syncKeys = ['timeout', 'mode', 'create', 'removeOnRelease'] as const;
const asyncKeys = [...syncKeys, 'signal'] as const;

interface Opened {
  fd: number;
  path: string | null; // set when fs-flock opened the file, and so owns the fd
  key: string;
  removeOnRelease: boolean;
}

/** Live and pending lock objects of this thread, by file (device:inode). */
const registry = new Map<string, Set<{ fd: number; shared: boolean }>>();

function register(entry: { fd: number; shared: boolean }, key: string): void {
  let set = registry.get(key);
  if (!set) registry.set(key, (set = new Set()));
  set.add(entry);
}

function unregister(entry: { fd: number; shared: boolean }, key: string): void {
  const set = registry.get(key);
  set?.delete(entry);
  if (set?.size === 0) registry.delete(key);
}

function conflicts(key: string, fd: number, shared: boolean): 'fd' | 'lock' | null {
  let found: 'lock' | null = null;
  for (const other of registry.get(key) ?? []) {
    if (other.fd === fd) return 'fd';
    if (!(shared && other.shared)) found = 'lock';
  }
  return found;
}

function sameFdError(fd: number): Error {
  return systemErrorNamed('EDEADLK', LOCK_SYSCALL, `fd ${fd} is already locked by another lock object in this thread`);
}

function checkOptions(options: AcquireOptions, target: LockTarget) {
  const timeout = toTimeout(options.timeout);
  const create = toBoolean(options.create, 'options.create') ?? true;
  const removeOnRelease = toBoolean(options.removeOnRelease, 'options.removeOnRelease') ?? false;
  const mode = options.mode ?? 0o666;
  if (typeof mode !== 'number') throw invalidArgType('options.mode', 'of type number', mode);
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw outOfRange('options.mode', '>= 0 && <= 0o7777', mode);
  if (!isPathTarget(target) && (removeOnRelease || options.create !== undefined || options.mode !== undefined)) {
    throw invalidArgValue('options', Object.keys(options), 'has create, mode or removeOnRelease, which need a path target');
  }
  return { timeout, create, removeOnRelease, mode, signal: toSignal(options.signal) };
}

/** Opens a path read-write (so exclusive locks work on NFS), never truncating; or takes an fd as it is. */
function open(target: LockTarget, create: boolean, mode: number, removeOnRelease: boolean): Opened {
  if (isPathTarget(target)) {
    const path = target instanceof URL ? fileURLToPath(target) : target.toString();
    if (path.length === 0) throw invalidArgValue('target', target, 'must be a non-empty path');
    const fd = fs.openSync(path, fs.constants.O_RDWR | (create ? fs.constants.O_CREAT : 0), mode);
    try {
      const st = fs.fstatSync(fd, { bigint: true });
      // Some platforms (Wine) open a directory read-write; refuse it the way Linux's open(2) does.
      if (st.isDirectory()) throw Object.assign(systemErrorNamed('EISDIR', 'open', 'illegal operation on a directory'), { path });
      return { fd, path: nodePath.resolve(path), key: `${st.dev}:${st.ino}`, removeOnRelease };
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }
  const fd = toFd(target, 'target');
  return { fd, path: null, key: fileKey(fd), removeOnRelease: false };
}

function closeOwned(file: Opened): void {
  if (file.path !== null) fs.closeSync(file.fd);
}

/** With removeOnRelease: is the locked file still the one the path names? (A releasing holder may have unlinked it.) */
function stillLinked(file: Opened): boolean {
  if (!file.removeOnRelease || file.path === null) return true;
  const mine = fs.fstatSync(file.fd, { bigint: true });
  let named: fs.BigIntStats;
  try {
    named = fs.statSync(file.path, { bigint: true });
  } catch {
    return false;
  }
  return mine.nlink > 0n && mine.dev === named.dev && mine.ino === named.ino;
}

/** An acquired lock, released by `release()`, by `using` / `await using`, or by closing its file. */
abstract class FileLock implements Disposable, AsyncDisposable {
  #held = true;
  /** @internal */
  protected readonly file: Opened;
  abstract readonly shared: boolean;

  /** @internal */
  constructor(file: Opened) {
    this.file = file;
  }

  /**
   * Waits for the lock without blocking the event loop (see `flock()`): `ExclusiveLock.acquire(target)` or
   * `SharedLock.acquire(target)`.
   * @throws (rejects) argument errors; `ETIMEDOUT`; `AbortError`; `EDEADLK` when this fd is already locked by
   *   another lock object; `ENOENT`, `EISDIR`, `EACCES` from opening a path; other system errors.
   */
  static acquire<T extends FileLock>(this: LockClass<T>, target: LockTarget, options?: AcquireOptions): Promise<T> {
    return acquireImpl(this, target, options);
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
    return this.file.fd;
  }

  /** The absolute path of the file when the lock opened it, else `null` (an fd or FileHandle target). */
  get path(): string | null {
    return this.file.path;
  }

  /** `true` until the lock is released (or handed over by upgrade/downgrade). */
  get held(): boolean {
    return this.#held;
  }

  /**
   * Releases the lock and, if it opened the file, closes it. Idempotent. If the unlock itself fails, throws
   * and stays held, so the release can be retried.
   */
  release(): void {
    if (!this.#held) return;
    if (this.file.removeOnRelease && this.file.path !== null && stillLinked(this.file)) {
      fs.rmSync(this.file.path, { force: true }); // while still locked: a waiter then finds the inode unlinked
    }
    const r = binding.unlock(this.file.fd);
    if (r !== 0) throw systemError(r, process.platform === 'win32' ? 'UnlockFileEx' : 'flock', undefined, binding.lastError());
    this.#forget();
    closeOwned(this.file);
  }

  [Symbol.dispose](): void {
    this.release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.release();
  }

  /** @internal Marks this object released without touching the file: its lock now belongs to another object. */
  protected handOver(): Opened {
    this.#forget();
    return this.file;
  }

  #forget(): void {
    this.#held = false;
    unregister(this, this.file.key);
  }

  protected assertHeld(): void {
    if (!this.#held) throw Object.assign(new Error('The lock was already released'), { code: 'ERR_INVALID_STATE' });
  }
}

function acquireSyncImpl<T extends FileLock>(Kind: LockClass<T>, target: LockTarget, options: unknown, tryOnly: boolean): T | null {
  const shared = Kind.isShared;
  const opts = checkOptions(toOptions<AcquireSyncOptions>(options, tryOnly ? syncKeys.filter((k) => k !== 'timeout') : syncKeys), target);
  for (;;) {
    const file = open(target, opts.create, opts.mode, opts.removeOnRelease);
    try {
      const conflict = conflicts(file.key, file.fd, shared);
      if (conflict === 'fd' && !tryOnly) throw sameFdError(file.fd);
      if (conflict === 'fd' || !tryLock(file.fd, { shared })) {
        if (tryOnly) {
          closeOwned(file);
          return null;
        }
        if (conflict && opts.timeout === undefined) {
          // The holder is a lock object of this very thread, which cannot run while this thread is blocked.
          throw systemErrorNamed('EDEADLK', LOCK_SYSCALL, 'a lock object in this thread holds a conflicting lock; waiting synchronously would never end');
        }
        flockSync(file.fd, shared ? LOCK_SH : LOCK_EX, { timeout: opts.timeout });
      }
      if (!stillLinked(file)) {
        binding.unlock(file.fd);
        closeOwned(file);
        continue;
      }
    } catch (err) {
      closeOwned(file);
      throw err;
    }
    const lock = new Kind(file);
    register(lock, file.key);
    return lock;
  }
}

async function acquireImpl<T extends FileLock>(Kind: LockClass<T>, target: LockTarget, options: unknown): Promise<T> {
  const shared = Kind.isShared;
  const opts = checkOptions(toOptions<AcquireOptions>(options, asyncKeys), target);
  for (;;) {
    const file = open(target, opts.create, opts.mode, opts.removeOnRelease);
    const pending = { fd: file.fd, shared }; // visible to synchronous acquirers in this thread while waiting
    try {
      if (conflicts(file.key, file.fd, shared) === 'fd') throw sameFdError(file.fd);
      register(pending, file.key);
      await flock(file.fd, shared ? LOCK_SH : LOCK_EX, { timeout: opts.timeout, signal: opts.signal });
      if (!stillLinked(file)) {
        binding.unlock(file.fd);
        closeOwned(file);
        continue;
      }
    } catch (err) {
      closeOwned(file);
      throw err;
    } finally {
      unregister(pending, file.key);
    }
    const lock = new Kind(file);
    register(lock, file.key);
    return lock;
  }
}

/** An exclusive (write) lock: no other lock on the file, shared or exclusive, while it is held. */
export class ExclusiveLock extends FileLock {
  /** @internal */
  static readonly isShared = false;
  readonly shared = false;

  /**
   * Turns this lock into a shared one and returns it; this object is then released. Others can join at once.
   * On Windows the shared lock is taken before the exclusive one is dropped, so nobody can slip in between.
   */
  downgrade(): SharedLock {
    this.assertHeld();
    const r = binding.downgrade(this.file.fd);
    if (r !== 0) throw systemError(r, LOCK_SYSCALL, undefined, binding.lastError());
    const file = this.handOver();
    const lock = new SharedLock(file);
    register(lock, file.key);
    return lock;
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
   * abort nothing is held (and a file the lock opened is closed).
   */
  async upgrade(options?: Pick<AcquireOptions, 'timeout' | 'signal'>): Promise<ExclusiveLock> {
    this.assertHeld();
    const opts = toOptions<AcquireOptions>(options, ['timeout', 'signal']);
    const timeout = toTimeout(opts.timeout);
    const signal = toSignal(opts.signal);
    const file = this.handOver();
    const pending = { fd: file.fd, shared: false };
    register(pending, file.key);
    try {
      const r = binding.unlock(file.fd);
      if (r !== 0) throw systemError(r, LOCK_SYSCALL, undefined, binding.lastError());
      await flock(file.fd, LOCK_EX, { timeout, signal });
    } catch (err) {
      closeOwned(file);
      throw err;
    } finally {
      unregister(pending, file.key);
    }
    const lock = new ExclusiveLock(file);
    register(lock, file.key);
    return lock;
  }
}

/**
 * Runs `fn` under a lock: acquires it (exclusive unless `options.shared`), calls `fn(lock)`, and releases the lock
 * when `fn` settles. `fn`'s result or error passes through; if `fn` and the release both fail, the caller gets an
 * `AggregateError` holding both.
 */
export async function withLock<T>(target: LockTarget, fn: (lock: ExclusiveLock | SharedLock) => T | Promise<T>, options?: WithLockOptions): Promise<T> {
  if (typeof fn !== 'function') throw invalidArgType('fn', 'of type function', fn);
  const { shared, ...rest } = toOptions<WithLockOptions>(options, [...asyncKeys, 'shared']);
  const lock = toBoolean(shared, 'options.shared') ? await SharedLock.acquire(target, rest) : await ExclusiveLock.acquire(target, rest);
  let result: T;
  try {
    result = await fn(lock);
  } catch (err) {
    try {
      lock.release();
    } catch (releaseErr) {
      throw new AggregateError([err, releaseErr], 'the function and the release of its lock both failed');
    }
    throw err;
  }
  lock.release();
  return result;
}
