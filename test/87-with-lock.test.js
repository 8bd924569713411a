// withLock(): acquire, run, release in finally; errors pass through, and a failing release is not lost.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { withLock, ExclusiveLock, SharedLock, tryLock } = require('..');
const { tempFile } = require('./helpers');

test('runs the function under an exclusive lock and returns its result', async (t) => {
  const f = tempFile(t);
  let seen;
  const result = await withLock(f.path, async (lock) => {
    seen = lock;
    assert.ok(lock instanceof ExclusiveLock);
    // Another open file of it is refused (a lock object here would join the scope instead: test/93).
    assert.strictEqual(tryLock(f.open('r'), { shared: true }), false);
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
  // The removal of a removeOnRelease lock file fails in an immutable directory, even for root (ext4 and others).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-flock-immutable-'));
  const file = path.join(dir, 'file.lock');
  fs.writeFileSync(file, '');
  t.after(() => { spawnSync('chattr', ['-i', dir]); fs.rmSync(dir, { recursive: true, force: true }); });
  if (spawnSync('chattr', ['+i', dir]).status !== 0) return t.skip('chattr +i is not supported here');
  const boom = new Error('boom');
  let inside;
  await assert.rejects(withLock(file, (lock) => {
    inside = lock;
    throw boom;
  }, { removeOnRelease: true }), (err) => {
    assert.ok(err instanceof AggregateError);
    assert.strictEqual(err.errors[0], boom);
    assert.strictEqual(err.errors[1].code, 'EPERM');
    return true;
  });
  assert.strictEqual(inside.held, false, 'a failed removal still releases the lock');
  const probe = fs.openSync(file, 'r+');
  t.after(() => fs.closeSync(probe));
  assert.strictEqual(tryLock(probe), true);
});

test('options and arguments are validated', async (t) => {
  const f = tempFile(t);
  await assert.rejects(withLock(f.path, 'nope'), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(withLock(f.path, () => {}, { shared: 'yes' }), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(withLock(f.path, () => {}, { exclusive: true }), { code: 'ERR_INVALID_ARG_VALUE' });
  await assert.rejects(withLock(f.path, () => {}, { timeout: -5 }), { code: 'ERR_OUT_OF_RANGE' });
});
