// The fd API under Jest: a flock() that must wait in the kernel (on the addon's waiting thread) for a lock held
// by another open file of this process, and is granted through the addon's asynchronous dispatch.
'use strict';
const { flock, flockSync, tryLock, unlock } = require('../..');
const { delay, tempLockFile, track } = require('./helpers');

let tmp;
beforeEach(() => {
  tmp = tempLockFile();
});
afterEach(() => {
  tmp.cleanup(); // closing the fds releases whatever they still hold
});

test('a contended flock(ex) waits in the kernel and is granted when the holder unlocks', async () => {
  const a = tmp.open();
  const b = tmp.open();
  const c = tmp.open();
  flockSync(a, 'ex');
  const waiting = flock(b, 'ex');
  const state = track(waiting);
  await delay(50);
  expect(state.settled).toBe(false); // still parked in the kernel behind a
  expect(tryLock(c)).toBe(false);
  unlock(a);
  await expect(waiting).resolves.toBeUndefined();
  expect(tryLock(c)).toBe(false); // b holds it now
  expect(tryLock(c, { shared: true })).toBe(false);
  unlock(b);
  expect(tryLock(c)).toBe(true);
  unlock(c);
});

test('contended shared waiters are granted together after an exclusive holder unlocks', async () => {
  const holder = tmp.open();
  const readers = [tmp.open(), tmp.open(), tmp.open()];
  const probe = tmp.open();
  flockSync(holder, 'ex');
  const waits = readers.map((fd) => flock(fd, 'sh'));
  await delay(50);
  unlock(holder);
  await Promise.all(waits);
  expect(tryLock(probe)).toBe(false); // exclusive excluded by the readers
  expect(tryLock(probe, { shared: true })).toBe(true); // one more reader joins
  unlock(probe);
  for (const fd of readers) unlock(fd);
  expect(tryLock(probe)).toBe(true);
  unlock(probe);
});

test('a contended flock() with a timeout rejects with ETIMEDOUT and leaves nothing locked', async () => {
  const a = tmp.open();
  const b = tmp.open();
  const c = tmp.open();
  flockSync(a, 'ex');
  await expect(flock(b, 'ex', { timeout: 100 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  unlock(a);
  expect(tryLock(c)).toBe(true); // b got nothing, even late
  unlock(c);
});
