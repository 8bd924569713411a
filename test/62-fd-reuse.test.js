// An fd number is never trusted twice: nothing fs-flock does after a wait or a lock object is over can reach
// another file that the kernel has since given the same number.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const { setTimeout: sleep } = require('node:timers/promises');
const { ExclusiveLock, flock, flockSync, tryLock, unlock } = require('..');
const { tempFile, isWindows } = require('./helpers');

test('an abort racing a grant, then close(fd) and the number reused: the new file keeps its lock', async (t) => {
  const x = tempFile(t, 'x.lock');
  const y = tempFile(t, 'y.lock');
  const holderFd = x.open();
  const probeY = y.open();
  for (let i = 0; i < 40; i++) {
    flockSync(holderFd, 'ex');
    const fd = fs.openSync(x.path, 'r+');
    const ac = new AbortController();
    const waiting = flock(fd, 'ex', { signal: ac.signal });
    await sleep(1); // the wait is in the kernel now
    unlock(holderFd); // the kernel grants the wait, and its result is on its way to this thread...
    for (const until = performance.now() + 2; performance.now() < until;); // ...which is busy meanwhile
    ac.abort(); // the grant has not been delivered yet: the abort wins
    fs.closeSync(fd);
    // The kernel hands out the lowest free number, unless another thread of this process (a sanitizer's, under
    // test:tsan) opened a file in between: then open again, synchronously, until the number is free (at most 1 s).
    let reused = fs.openSync(y.path, 'r+');
    for (const until = performance.now() + 1000; !isWindows && reused !== fd && performance.now() < until;) {
      fs.closeSync(reused);
      reused = fs.openSync(y.path, 'r+');
    }
    try {
      if (!isWindows) assert.strictEqual(reused, fd, 'the number was reused');
      flockSync(reused, 'ex'); // all before the old wait's result could reach this thread
      const outcome = await waiting.then(() => 'granted', (err) => err.code);
      assert.strictEqual(outcome, 'ABORT_ERR');
      await sleep(2); // give any late result of the old wait every chance to arrive
      assert.strictEqual(tryLock(probeY), false, `round ${i}: y's lock was dropped through a reused fd number`);
      const probeX = fs.openSync(x.path, 'r');
      try {
        assert.strictEqual(tryLock(probeX), true, `round ${i}: nothing holds x`);
      } finally {
        fs.closeSync(probeX);
      }
    } finally {
      fs.closeSync(reused);
    }
  }
});

test('a lock object whose fd was closed by hand: the next acquire reusing the number works, release() touches nothing', async (t) => {
  const f = tempFile(t);
  const probe = f.open();
  const stale = ExclusiveLock.acquireSync(f.path);
  fs.closeSync(stale.fd); // closing releases the lock
  const fresh = ExclusiveLock.acquireSync(f.path); // no EDEADLK from the stale entry
  if (!isWindows) assert.strictEqual(fresh.fd, stale.fd, 'the number was reused');
  assert.strictEqual(stale.held, false, 'the stale object knows it lost its file');
  stale.release(); // must not close or unlock fresh's fd
  assert.strictEqual(tryLock(probe), false, 'fresh still holds the lock');
  assert.doesNotThrow(() => fs.fstatSync(fresh.fd), 'fresh.fd is still open');
  fresh.release();
  assert.strictEqual(tryLock(probe), true);
  unlock(probe);
});

test('a lock object whose fd number now names another file: release() leaves that file alone', async (t) => {
  const f = tempFile(t);
  const other = tempFile(t, 'other.lock');
  const stale = await ExclusiveLock.acquire(f.path);
  fs.closeSync(stale.fd);
  const otherFd = fs.openSync(other.path, 'r+');
  t.after(() => fs.closeSync(otherFd));
  if (!isWindows) assert.strictEqual(otherFd, stale.fd);
  flockSync(otherFd, 'ex');
  stale.release();
  assert.strictEqual(stale.held, false);
  assert.doesNotThrow(() => fs.fstatSync(otherFd), 'the other file is still open');
  assert.strictEqual(tryLock(other.open()), false, 'and still locked');
  assert.throws(() => stale.downgrade(), { code: 'ERR_INVALID_STATE' });
});

test('an fd target closed and reopened on the same file with the same number: a new lock object is not EDEADLK', { skip: process.platform !== 'linux' && 'only Linux tells what an open file holds (/proc/self/fdinfo)' }, async (t) => {
  const f = tempFile(t);
  const fd = fs.openSync(f.path, 'r+');
  const first = ExclusiveLock.acquireSync(fd);
  fs.closeSync(fd);
  const again = fs.openSync(f.path, 'r+');
  t.after(() => fs.closeSync(again));
  assert.strictEqual(again, fd);
  const second = ExclusiveLock.acquireSync(again);
  assert.strictEqual(first.held, false);
  assert.strictEqual(second.held, true);
  second.release();
});

test('the same fd still refuses a second lock object while the first holds it', async (t) => {
  const f = tempFile(t);
  const fd = f.open();
  const first = ExclusiveLock.acquireSync(fd);
  assert.throws(() => ExclusiveLock.acquireSync(fd), { code: 'EDEADLK' });
  assert.strictEqual(ExclusiveLock.tryAcquireSync(fd), null);
  first.release();
});

test('a queued wait whose fd was closed and its number reused rejects EBADF and never locks the new file', async (t) => {
  const a = tempFile(t, 'a.lock');
  const b = tempFile(t, 'b.lock');
  const holderFd = a.open();
  flockSync(holderFd, 'ex');
  const head = flock(a.open(), 'ex'); // the head waits in the kernel
  const fd = fs.openSync(a.path, 'r+');
  const queued = flock(fd, 'ex'); // queued behind it, fd not yet duplicated by anyone
  fs.closeSync(fd);
  const reused = fs.openSync(b.path, 'r+');
  t.after(() => fs.closeSync(reused));
  if (!isWindows) assert.strictEqual(reused, fd);
  unlock(holderFd);
  await head;
  await assert.rejects(queued, { code: 'EBADF' });
  assert.strictEqual(tryLock(b.open()), true, 'b was never locked through the reused number');
});
