// Timeout and AbortSignal: the kernel wait is interrupted, the promise rejects with a typed error, and nothing
// is left locked, even when the grant races with the cancel.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { ExclusiveLock, flock, flockSync, tryLock, unlock } = require('..');
const { tempFile, holder } = require('./helpers');

async function heldElsewhere(t, path) {
  const h = await holder(t);
  const { fd } = await h.send({ open: true, path });
  assert.strictEqual((await h.send({ lock: true, fd, op: 'ex' })).granted, true);
  return { h, fd };
}

/** After our cancelled wait, the other process releases and can take EX again at once: we hold nothing. */
async function assertNothingHeld(h, fd) {
  await h.send({ unlock: true, fd });
  assert.strictEqual((await h.send({ try: true, fd })).granted, true, 'the cancelled waiter holds the lock');
}

test('timeout: rejects with ETIMEDOUT after about the timeout, and nothing is held', async (t) => {
  const f = tempFile(t);
  const { h, fd: theirs } = await heldElsewhere(t, f.path);
  const fd = f.open();
  const started = process.hrtime.bigint();
  await assert.rejects(flock(fd, 'ex', { timeout: 150 }), (err) => {
    assert.strictEqual(err.code, 'ETIMEDOUT');
    assert.strictEqual(typeof err.errno, 'number');
    assert.strictEqual(err.syscall, process.platform === 'win32' ? 'LockFileEx' : 'flock');
    return true;
  });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  assert.ok(elapsed >= 140 && elapsed < 10_000, `rejected after ${elapsed} ms`);
  await assertNothingHeld(h, theirs);
});

test('timeout 0 tries once', async (t) => {
  const f = tempFile(t);
  const { h, fd: theirs } = await heldElsewhere(t, f.path);
  const fd = f.open();
  await assert.rejects(flock(fd, 'sh', { timeout: 0 }), { code: 'ETIMEDOUT' });
  assert.throws(() => flockSync(fd, 'sh', { timeout: 0 }), { code: 'ETIMEDOUT' });
  await assertNothingHeld(h, theirs); // the other process holds EX again
  await h.send({ unlock: true, fd: theirs });
  await flock(fd, 'sh', { timeout: 0 });
});

test('abort: rejects with an AbortError whose cause is the reason, and nothing is held', async (t) => {
  const f = tempFile(t);
  const { h, fd: theirs } = await heldElsewhere(t, f.path);
  const fd = f.open();
  const ac = new AbortController();
  const waiting = flock(fd, 'ex', { signal: ac.signal });
  setTimeout(() => ac.abort(new Error('stop')), 30);
  await assert.rejects(waiting, (err) => {
    assert.strictEqual(err.name, 'AbortError');
    assert.strictEqual(err.code, 'ABORT_ERR');
    assert.strictEqual(err.cause.message, 'stop');
    return true;
  });
  await assertNothingHeld(h, theirs);
});

test('an already-aborted signal rejects at once without touching the lock', async (t) => {
  const f = tempFile(t);
  const fd = f.open();
  const signal = AbortSignal.abort();
  await assert.rejects(flock(fd, 'ex', { signal }), { name: 'AbortError', code: 'ABORT_ERR' });
  await assert.rejects(flock(fd, 'exnb', { signal }), { name: 'AbortError' });
  assert.strictEqual(tryLock(f.open()), true, 'the aborted call locked the file');
});

test('cancelling one queued waiter leaves the others waiting and granted in order', async (t) => {
  const f = tempFile(t);
  const holderFd = f.open();
  flockSync(holderFd, 'ex');
  const ac = new AbortController();
  const [a, b, c] = [f.open(), f.open(), f.open()];
  const order = [];
  const first = flock(a, 'ex').then(() => order.push('a'));
  const second = flock(b, 'ex', { signal: ac.signal });
  const third = flock(c, 'ex', { timeout: 60_000 }).then(() => order.push('c'));
  ac.abort();
  await assert.rejects(second, { name: 'AbortError' });
  unlock(holderFd);
  await first;
  unlock(a);
  await third;
  assert.deepStrictEqual(order, ['a', 'c']);
  assert.strictEqual(tryLock(b), false, 'b was cancelled: c holds the lock');
});

test('200 cancels racing with releases never leave a lock held by nobody', async (t) => {
  const f = tempFile(t);
  const holderFd = f.open();
  const fd = f.open();
  const probe = f.open();
  const outcomes = { granted: 0, cancelled: 0 };
  for (let i = 0; i < 200; i++) {
    flockSync(holderFd, 'ex');
    const ac = new AbortController();
    const waiting = flock(fd, 'ex', i % 2 ? { signal: ac.signal } : { signal: ac.signal, timeout: 1 + (i % 3) });
    // vary the interleaving of release and cancel (a timeout may also settle the wait before either runs)
    let release;
    const released = new Promise((resolve) => (release = () => { unlock(holderFd); resolve(); }));
    if (i % 4 === 0) { release(); ac.abort(); }
    else if (i % 4 === 1) { ac.abort(); release(); }
    else if (i % 4 === 2) { setImmediate(() => { release(); ac.abort(); }); }
    else { queueMicrotask(release); setImmediate(() => ac.abort()); }
    const granted = await waiting.then(() => true, (err) => {
      assert.ok(err.code === 'ABORT_ERR' || err.code === 'ETIMEDOUT', err.message);
      return false;
    });
    await released;
    outcomes[granted ? 'granted' : 'cancelled']++;
    if (granted) {
      assert.strictEqual(tryLock(probe), false, `iteration ${i}: granted but not held`);
      unlock(fd);
    }
    assert.strictEqual(tryLock(probe), true, `iteration ${i}: a lock is held after the wait settled`);
    unlock(probe);
  }
  t.diagnostic(`outcomes: ${JSON.stringify(outcomes)}`);
  assert.ok(outcomes.cancelled > 0);
});

test('flockSync with a timeout: ETIMEDOUT while held, nothing held afterwards', async (t) => {
  const f = tempFile(t);
  const { h, fd: theirs } = await heldElsewhere(t, f.path);
  const fd = f.open();
  const started = Date.now();
  assert.throws(() => flockSync(fd, 'ex', { timeout: 100 }), (err) => {
    assert.strictEqual(err.code, 'ETIMEDOUT');
    assert.match(err.message, /^ETIMEDOUT: .*100 ms.*, (flock|LockFileEx)$/);
    return true;
  });
  assert.ok(Date.now() - started >= 95);
  await assertNothingHeld(h, theirs);
});

test('flockSync with a timeout is granted when the holder releases during the wait', async (t) => {
  const f = tempFile(t);
  const { h, fd: theirs } = await heldElsewhere(t, f.path);
  const fd = f.open();
  const released = h.send({ unlock: true, fd: theirs, after: 100 });
  await new Promise((resolve) => setImmediate(resolve));
  flockSync(fd, 'ex', { timeout: 60_000 }); // blocks this thread until the holder's timer releases
  await released;
  assert.strictEqual((await h.send({ try: true, fd: theirs })).granted, false, 'we hold it');
});

test('a signal whose addEventListener throws: the wait rejects and leaves nothing behind', async (t) => {
  const f = tempFile(t);
  const holderFd = f.open();
  flockSync(holderFd, 'ex');
  const spoofed = () => {
    const signal = new AbortController().signal;
    signal.addEventListener = () => { throw new TypeError('spoofed'); };
    return signal;
  };
  // The first waiter of the file (no queue yet), then one behind a queued waiter.
  await assert.rejects(flock(f.open(), 'ex', { signal: spoofed(), timeout: 5 }), { message: 'spoofed' });
  const queuedFd = f.open();
  const queued = flock(queuedFd, 'ex', { timeout: 10_000 });
  await assert.rejects(flock(f.open(), 'ex', { signal: spoofed(), timeout: 5 }), { message: 'spoofed' });
  unlock(holderFd);
  await queued;
  unlock(queuedFd);
  await new Promise((resolve) => setTimeout(resolve, 30)); // a timer left armed would have thrown by now
  await flock(f.open(), 'ex', { timeout: 5000 }); // the file is free: no empty queue left to wait behind
});

test('an already-aborted signal: acquire on a path rejects without creating the file', async (t) => {
  const f = tempFile(t);
  const file = require('node:path').join(f.dir, 'never.lock');
  await assert.rejects(ExclusiveLock.acquire(file, { signal: AbortSignal.abort() }), { name: 'AbortError' });
  assert.strictEqual(require('node:fs').existsSync(file), false);
});
