// withLock() under Jest: the function runs only once a contended lock is granted from the kernel, its result
// and errors pass through, and the lock is released when it settles.
'use strict';
const { withLock, flockSync, tryLock, unlock } = require('../..');
const { delay, tempLockFile, track } = require('./helpers');

let tmp;
beforeEach(() => {
  tmp = tempLockFile();
});
afterEach(() => {
  tmp.cleanup();
});

test('withLock() waits for a contended lock, runs fn under it and releases it', async () => {
  const holder = tmp.open();
  const probe = tmp.open();
  flockSync(holder, 'ex');
  let ran = false;
  const pending = withLock(
    tmp.file,
    async (lock) => {
      ran = true;
      expect(lock.held).toBe(true);
      expect(lock.shared).toBe(false);
      expect(tryLock(probe, { shared: true })).toBe(false);
      await delay(10);
      return 42;
    },
    { timeout: 10000 },
  );
  const state = track(pending);
  await delay(50);
  expect(state.settled).toBe(false);
  expect(ran).toBe(false);
  unlock(holder);
  await expect(pending).resolves.toBe(42);
  expect(ran).toBe(true);
  expect(tryLock(probe)).toBe(true);
  unlock(probe);
});

test('withLock({ shared: true }) joins other readers and passes fn errors through after releasing', async () => {
  const reader = tmp.open();
  const probe = tmp.open();
  flockSync(reader, 'sh');
  const boom = new Error('boom');
  const err = await withLock(
    tmp.file,
    (lock) => {
      expect(lock.shared).toBe(true);
      throw boom;
    },
    { shared: true, timeout: 1000 },
  ).catch((e) => e);
  expect(err).toBe(boom);
  unlock(reader);
  expect(tryLock(probe)).toBe(true); // withLock released its shared lock
  unlock(probe);
});

test('withLock() with a timeout on a held lock rejects with ETIMEDOUT without running fn', async () => {
  const holder = tmp.open();
  flockSync(holder, 'ex');
  const fn = jest.fn();
  const err = await withLock(tmp.file, fn, { timeout: 100 }).catch((e) => e);
  expect(err.code).toBe('ETIMEDOUT');
  expect(fn).not.toHaveBeenCalled();
});
