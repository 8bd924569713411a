// withLock(): acquire, run, release in finally; errors pass through, and a failing release is not lost.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const { withLock, ExclusiveLock, SharedLock } = require('..');
const { tempFile } = require('./helpers');

test('runs the function under an exclusive lock and returns its result', async (t) => {
  const f = tempFile(t);
  let seen;
  const result = await withLock(f.path, async (lock) => {
    seen = lock;
    assert.ok(lock instanceof ExclusiveLock);
    assert.strictEqual(ExclusiveLock.tryAcquireSync(f.path), null);
    return 42;
  });
  assert.strictEqual(result, 42);
  assert.strictEqual(seen.held, false);
  ExclusiveLock.acquireSync(f.path).release();
});

test('{ shared: true } takes a shared lock', async (t) => {
  const f = tempFile(t);
  await withLock(f.path, (lock) => {
    assert.ok(lock instanceof SharedLock);
    SharedLock.acquireSync(f.path).release();
  }, { shared: true });
});

test('a throwing body: the lock is released and the error propagates', async (t) => {
  const f = tempFile(t);
  const boom = new Error('boom');
  let seen;
  await assert.rejects(withLock(f.path, (lock) => { seen = lock; throw boom; }), (err) => err === boom);
  assert.strictEqual(seen.held, false);
  await assert.rejects(withLock(f.path, async () => { throw boom; }), (err) => err === boom);
  ExclusiveLock.acquireSync(f.path).release();
});

test('when the body and the release both fail, both errors reach the caller', async (t) => {
  const f = tempFile(t);
  const boom = new Error('boom');
  await assert.rejects(withLock(f.path, (lock) => {
    fs.closeSync(lock.fd); // the release's unlock will now fail with EBADF
    throw boom;
  }), (err) => {
    assert.ok(err instanceof AggregateError);
    assert.strictEqual(err.errors[0], boom);
    assert.strictEqual(err.errors[1].code, 'EBADF');
    return true;
  });
});

test('options and arguments are validated', async (t) => {
  const f = tempFile(t);
  await assert.rejects(withLock(f.path, 'nope'), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(withLock(f.path, () => {}, { shared: 'yes' }), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(withLock(f.path, () => {}, { exclusive: true }), { code: 'ERR_INVALID_ARG_VALUE' });
  await assert.rejects(withLock(f.path, () => {}, { timeout: -5 }), { code: 'ERR_OUT_OF_RANGE' });
});
