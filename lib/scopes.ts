// withLock and its reentrant scopes. Inside the async call chain of a withLock scope that holds a file (followed
// with AsyncLocalStorage), a withLock, acquire or acquireSync on the same file joins the scope at once instead of
// waiting for a lock the chain itself holds: no second kernel lock, no second open. The file stays locked until
// every part of the scope (the scope's own function and every joined call or lock object) has ended.
import { AsyncLocalStorage } from 'node:async_hooks';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deadlockError, invalidArgType } from './errors';
import { asyncKeys, ExclusiveLock, keyOf, partOf, setJoinScope, SharedLock } from './lock';
import type { AcquireOptions, FileLock, LockClass, LockTarget } from './lock';
import { isPathTarget, toBoolean, toFd, toOptions } from './validate';

export interface WithLockOptions extends AcquireOptions {
  /** Take a shared lock instead of an exclusive one. Default `false`. */
  shared?: boolean;
  /**
   * Join a scope of the calling async chain that holds the same file, instead of waiting for it (see README,
   * "Reentrant scopes"). Default `true`; `false` always waits for a lock of its own.
   */
  reentrant?: boolean;
}

interface Scope {
  readonly key: string; // the file, device:inode
  readonly shared: boolean;
  readonly lock: FileLock; // the kernel lock; released when the last part leaves
  parts: number;
}

const chain = new AsyncLocalStorage<readonly Scope[]>();
const parts = new WeakSet<FileLock>(); // the lock objects that joined a scope

/** The file a target names now (device:inode), or null (missing, closed, a bad argument: acquire will say). */
function keyOfTarget(target: LockTarget): string | null {
  try {
    const st = isPathTarget(target)
      ? fs.statSync(target instanceof URL ? fileURLToPath(target) : target, { bigint: true })
      : fs.fstatSync(toFd(target, 'target'), { bigint: true });
    return `${st.dev}:${st.ino}`;
  } catch {
    return null;
  }
}

/** A new part of `scope`: a lock object whose release is this part's leaving. */
function join<T extends FileLock>(Kind: LockClass<T>, scope: Scope): T {
  // Inside a shared scope, an exclusive lock could only be granted after the scope ends, which waits for it.
  if (scope.shared && !Kind.isShared) throw deadlockError('an exclusive lock inside a shared withLock scope of the same file would wait for itself');
  scope.parts++;
  const part = partOf(Kind, scope.lock, () => {
    if (--scope.parts === 0) scope.lock.release();
  });
  parts.add(part);
  return part;
}

// Every acquire asks first: does a scope of this chain hold the file? Outside any scope this costs one lookup.
setJoinScope(<T extends FileLock>(Kind: LockClass<T>, target: LockTarget): T | null => {
  const scopes = chain.getStore();
  if (scopes === undefined || scopes.length === 0) return null;
  const key = keyOfTarget(target);
  for (let i = scopes.length - 1; i >= 0; i--) {
    if (scopes[i].key === key && scopes[i].parts > 0) return join(Kind, scopes[i]);
  }
  return null;
});

/**
 * Runs `fn` under a lock: acquires it (exclusive unless `options.shared`), calls `fn(lock)`, and releases the lock
 * when `fn` settles. `fn`'s result or error passes through; if `fn` and the release both fail, the caller gets an
 * `AggregateError` holding both. Reentrant unless `options.reentrant` is false: see `WithLockOptions.reentrant`.
 * @throws (rejects) as `acquire`; `EDEADLK` for an exclusive lock inside a shared scope of the same file.
 */
export async function withLock<T>(target: LockTarget, fn: (lock: ExclusiveLock | SharedLock) => T | Promise<T>, options?: WithLockOptions): Promise<T> {
  if (typeof fn !== 'function') throw invalidArgType('fn', 'of type function', fn);
  const { shared, reentrant, ...rest } = toOptions<WithLockOptions>(options, [...asyncKeys, 'shared', 'reentrant']);
  const isShared = toBoolean(shared, 'options.shared') ?? false;
  const acquire = (): Promise<ExclusiveLock | SharedLock> => (isShared ? SharedLock.acquire(target, rest) : ExclusiveLock.acquire(target, rest));
  if (toBoolean(reentrant, 'options.reentrant') === false) {
    const lock = await (chain.getStore() ? chain.exit(acquire) : acquire()); // outside the chain: never joins
    return await settle(lock, () => fn(lock));
  }
  const lock = await acquire(); // a part, if a scope of this chain holds the file
  if (parts.has(lock)) return await settle(lock, () => fn(lock));
  const scope: Scope = { key: keyOf(lock), shared: isShared, lock, parts: 0 };
  const part = isShared ? join(SharedLock, scope) : join(ExclusiveLock, scope);
  return await chain.run([...(chain.getStore() ?? []), scope], () => settle(part, () => fn(part)));
}

/** Calls `fn`, then releases `lock`, whatever `fn` did. */
async function settle<T>(lock: FileLock, fn: () => T | Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    try {
      lock.release();
    } catch (releaseErr) {
      throw new AggregateError([err, releaseErr], 'the function and the release of its lock both failed', { cause: releaseErr });
    }
    throw err;
  }
  lock.release();
  return result;
}
