// Lock objects under Jest: ExclusiveLock.acquire() on a path, contended by a raw fd so that the wait goes to the
// kernel, ended by a grant, by a timeout (ETIMEDOUT) and by an AbortController (AbortError).
'use strict';
const { ExclusiveLock, SharedLock, flockSync, tryLock, unlock } = require('../..');
const { delay, tempLockFile, track } = require('./helpers');

let tmp;
const locks = [];
beforeEach(() => {
  tmp = tempLockFile();
});
afterEach(() => {
  for (const lock of locks.splice(0)) lock.release(); // idempotent; closes the fds the locks opened
  tmp.cleanup();
});

test('acquire() waits for a lock held by another open file and gets it on release', async () => {
  const holder = tmp.open();
  const probe = tmp.open();
  flockSync(holder, 'ex');
  const pending = ExclusiveLock.acquire(tmp.file, { timeout: 10000 });
  const state = track(pending);
  await delay(50);
  expect(state.settled).toBe(false);
  unlock(holder);
  const lock = await pending;
  locks.push(lock);
  expect(lock).toBeInstanceOf(ExclusiveLock);
  expect(lock.held).toBe(true);
  expect(lock.shared).toBe(false);
  expect(lock.path).toBe(tmp.file);
  expect(tryLock(probe, { shared: true })).toBe(false);
  lock.release();
  expect(lock.held).toBe(false);
  expect(tryLock(probe)).toBe(true);
  unlock(probe);
});

test('acquire() with a timeout that expires rejects with ETIMEDOUT and holds nothing', async () => {
  const holder = tmp.open();
  const probe = tmp.open();
  flockSync(holder, 'ex');
  const started = Date.now();
  const err = await ExclusiveLock.acquire(tmp.file, { timeout: 150 }).then(
    (lock) => {
      locks.push(lock);
      throw new Error('acquired a lock that is held elsewhere');
    },
    (e) => e,
  );
  expect(err.code).toBe('ETIMEDOUT');
  expect(err.syscall).toBe(process.platform === 'win32' ? 'LockFileEx' : 'flock');
  expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  unlock(holder);
  expect(tryLock(probe)).toBe(true); // the cancelled wait left nothing behind
  unlock(probe);
});

test('acquire() ended by an AbortController rejects with an AbortError and holds nothing', async () => {
  const holder = tmp.open();
  const probe = tmp.open();
  flockSync(holder, 'ex');
  const controller = new AbortController();
  const pending = SharedLock.acquire(tmp.file, { signal: controller.signal });
  await delay(50); // parked in the kernel
  const reason = new Error('no longer needed');
  controller.abort(reason);
  const err = await pending.then(
    (lock) => {
      locks.push(lock);
      throw new Error('acquired a lock that is held elsewhere');
    },
    (e) => e,
  );
  expect(err.name).toBe('AbortError');
  expect(err.code).toBe('ABORT_ERR');
  expect(err.cause).toBe(reason);
  unlock(holder);
  expect(tryLock(probe)).toBe(true);
  unlock(probe);
});

test('an already-aborted signal rejects at once', async () => {
  const err = await ExclusiveLock.acquire(tmp.file, { signal: AbortSignal.abort() }).catch((e) => e);
  expect(err.name).toBe('AbortError');
});
