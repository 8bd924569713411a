// A consumer's TypeScript, type-checked with --strict against the installed tarball's types under both
// module: nodenext and module: commonjs. The @ts-expect-error lines fail the check if the types stop refusing them.
import { ExclusiveLock, flock, type FlockError, holders, type Lock, type LockHolder, LockManager, locks, type LockManagerSnapshot, Semaphore, SharedLock, type Slot, withLock, withSemaphore } from 'fs-flock';

export async function use(path: string, fd: number): Promise<number> {
  await flock(fd, 'ex', { timeout: 100, signal: AbortSignal.timeout(1000) });
  const lock: ExclusiveLock = await ExclusiveLock.acquire(path, { timeout: 50 });
  const shared: SharedLock = lock.downgrade();
  const back: ExclusiveLock = await shared.upgrade();
  back.release();
  // @ts-expect-error: lock objects come from acquire(), never from a constructor
  new ExclusiveLock();
  // @ts-expect-error: not an operation
  await flock(fd, 'exclusive');
  const who: LockHolder[] | null = holders(path);
  const named: number = await locks.request('job', { mode: 'shared', ifAvailable: true }, (l: Lock | null) => (l ? 1 : 0));
  const snapshot: LockManagerSnapshot = await new LockManager({ directory: '/tmp/x' }).query();
  // @ts-expect-error: not a lock mode
  await locks.request('job', { mode: 'write' }, () => 0);
  const slot: Slot = Semaphore.acquireSync(path, { slots: 2, timeout: 10 });
  slot.release();
  // @ts-expect-error: slots is required
  await Semaphore.acquire(path, {});
  await withSemaphore(path, (s) => s.index + named + snapshot.held.length, { slots: 2 });
  await withLock(path, () => 0, { reentrant: false });
  try {
    return await withLock(path, (l) => (l.shared ? 1 : 2), { shared: true });
  } catch (err) {
    return (err as FlockError).errno ?? who?.length ?? 0;
  }
}
