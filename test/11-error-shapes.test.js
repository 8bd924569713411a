// Error shapes depend only on the call, never on unrelated state: a closed fd or FileHandle is EBADF from the
// lock syscall, ops are exactly the documented bitmasks, and a try-once timeout costs no more than a try.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const { ExclusiveLock, flock, flockSync, holders, tryLock, unlock, LOCK_EX, LOCK_NB, LOCK_UN } = require('..');
const { tempFile, isWindows } = require('./helpers');

const syscall = isWindows ? 'LockFileEx' : 'flock';

function closedFd() {
  const fd = fs.openSync(__filename, 'r');
  fs.closeSync(fd);
  return fd;
}

test('flock(closedFd) is EBADF/flock, whether or not another file has waiters', async (t) => {
  const bad = { code: 'EBADF', syscall };
  await assert.rejects(flock(closedFd(), 'ex'), bad);
  const f = tempFile(t);
  flockSync(f.open(), 'ex');
  const waiting = flock(f.open(), 'ex', { timeout: 10_000 }).catch(() => {});
  await assert.rejects(flock(closedFd(), 'ex'), bad);
  await assert.rejects(flock(closedFd(), 'sh', { timeout: 5 }), bad);
  assert.throws(() => flockSync(closedFd(), 'ex', { timeout: 5 }), bad);
  t.after(() => waiting);
});

test('a closed FileHandle is EBADF everywhere, not an argument error', async (t) => {
  const f = tempFile(t);
  const handle = await fs.promises.open(f.path, 'r+');
  await handle.close();
  const bad = { code: 'EBADF', syscall };
  await assert.rejects(flock(handle, 'ex'), bad);
  assert.throws(() => flockSync(handle, 'ex'), bad);
  assert.throws(() => tryLock(handle), bad);
  assert.throws(() => unlock(handle), bad);
  assert.throws(() => ExclusiveLock.acquireSync(handle), bad);
  await assert.rejects(ExclusiveLock.acquire(handle), bad);
});

test('ops are exact bitmasks: values past 2^32 are refused, LOCK_UN | LOCK_NB unlocks (as flock(2))', async (t) => {
  const f = tempFile(t);
  const fd = f.open();
  for (const op of [2 ** 32 + 2, 2 ** 32 + LOCK_EX + LOCK_NB, 2 ** 33, -LOCK_EX, 2 ** 53]) {
    assert.throws(() => flockSync(fd, op), { code: 'ERR_INVALID_ARG_VALUE' }, String(op));
    await assert.rejects(flock(fd, op), { code: 'ERR_INVALID_ARG_VALUE' }, String(op));
  }
  flockSync(fd, LOCK_EX);
  flockSync(fd, LOCK_UN | LOCK_NB);
  assert.strictEqual(tryLock(f.open()), true, 'LOCK_UN | LOCK_NB released the lock');
});

test('a refused try-once (timeout 0) is ETIMEDOUT without a holders lookup; a real timeout names the holders', async (t) => {
  const f = tempFile(t);
  flockSync(f.open(), 'ex');
  const fd = f.open();
  for (const err of [
    (() => { try { flockSync(fd, 'ex', { timeout: 0 }); } catch (e) { return e; } })(),
    await flock(fd, 'ex', { timeout: 0 }).catch((e) => e),
  ]) {
    assert.strictEqual(err.code, 'ETIMEDOUT');
    assert.strictEqual(err.holders, undefined);
  }
  const slow = await flock(fd, 'ex', { timeout: 20 }).catch((e) => e);
  assert.strictEqual(slow.code, 'ETIMEDOUT');
  if (process.platform === 'linux') {
    assert.deepStrictEqual(slow.holders, holders(f.path));
    assert.match(slow.message, new RegExp(`pid ${process.pid} \\(exclusive\\)`));
  }
});

test('names inherited from Object.prototype are not ops; odd objects are typed errors', async (t) => {
  const f = tempFile(t);
  const fd = f.open();
  for (const op of ['toString', '__proto__', 'constructor', 'valueOf', 'hasOwnProperty']) {
    assert.throws(() => flockSync(fd, op), { code: 'ERR_INVALID_ARG_VALUE' }, op);
    await assert.rejects(flock(fd, op), { code: 'ERR_INVALID_ARG_VALUE' }, op);
  }
  assert.strictEqual(holders(f.path)?.length ?? 0, 0, 'nothing was locked');
  const borrowed = Object.create(AbortSignal.prototype);
  await assert.rejects(flock(fd, 'ex', { signal: borrowed }), { code: 'ERR_INVALID_ARG_TYPE' });
  let reads = 0;
  const fickle = { get fd() { return reads++ % 2 ? fd : { fd }; } };
  assert.throws(() => flockSync(fickle, 'ex'), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => holders(''), { code: 'ERR_INVALID_ARG_VALUE' });
});
