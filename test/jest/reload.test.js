// The package evaluated twice in one process against one cached native addon: Jest's module registry is reset,
// the package's JavaScript runs again, and both copies must still do contended (kernel, asynchronous) waits.
'use strict';
const { tempLockFile, delay, track } = require('./helpers');

const first = require('../..');

let tmp;
beforeEach(() => {
  tmp = tempLockFile();
});
afterEach(() => {
  tmp.cleanup();
});

/** A flock(ex) on `b` contended by `a`, granted when `a` unlocks; checked from `c`. */
async function contendedWait(api, a, b, c) {
  api.flockSync(a, 'ex');
  const waiting = api.flock(b, 'ex', { timeout: 10000 });
  const state = track(waiting);
  await delay(50);
  expect(state.settled).toBe(false);
  api.unlock(a);
  await waiting;
  expect(api.tryLock(c)).toBe(false);
  api.unlock(b);
  expect(api.tryLock(c)).toBe(true);
  api.unlock(c);
}

test('the first copy does a contended wait', async () => {
  await contendedWait(first, tmp.open(), tmp.open(), tmp.open());
});

test('after jest.resetModules() a second copy loads and does a contended wait', async () => {
  jest.resetModules();
  const second = require('../..');
  expect(second).not.toBe(first);
  expect(second.flock).not.toBe(first.flock);
  await contendedWait(second, tmp.open(), tmp.open(), tmp.open());
});

test('both copies wait concurrently, each on its own file, and both are granted', async () => {
  jest.resetModules();
  const second = require('../..');
  const other = tempLockFile();
  try {
    await Promise.all([
      contendedWait(first, tmp.open(), tmp.open(), tmp.open()),
      contendedWait(second, other.open(), other.open(), other.open()),
    ]);
  } finally {
    other.cleanup();
  }
});
