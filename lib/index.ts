// fs-flock: real kernel file locks for Node.js. See README.md for the API.
export { flock, flockSync, tryLock, unlock, LOCK_EX, LOCK_NB, LOCK_SH, LOCK_UN } from './flock';
export type { FlockOptions, FlockSyncOptions, TryLockOptions } from './flock';
export type { FdLike, FlockOp } from './validate';
export type { FlockError } from './errors';
export { ExclusiveLock, SharedLock } from './lock';
export type { AcquireOptions, AcquireSyncOptions, LockTarget, TryAcquireOptions } from './lock';
export { withLock } from './scopes';
export type { WithLockOptions } from './scopes';
export { MAX_SLOTS, Semaphore, Slot, withSemaphore } from './semaphore';
export type { SemaphoreOptions, SemaphoreSyncOptions, TrySemaphoreOptions } from './semaphore';
export { Lock, LockManager, lockFileName, locks } from './weblocks';
export type { LockGrantedCallback, LockInfo, LockManagerSnapshot, LockMode, LockOptions } from './weblocks';
export { lockReach } from './reach';
export type { LockReach, Reach } from './reach';
export { holders } from './holders';
export type { LockHolder } from './holders';
