// flock semantics inside one process: locks belong to open file descriptions, not to processes or paths.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const { flock, flockSync, tryLock, unlock, LOCK_EX, LOCK_SH, LOCK_NB } = require('..');
const { tempFile, isWindows } = require('./helpers');

test('EX on one open(), then EX|NB on a second open() of the same file: EAGAIN, not a generic error', (t) => {
  const f = tempFile(t);
  const a = f.open();
  const b = f.open();
  flockSync(a, LOCK_EX);
  assert.throws(() => flockSync(b, LOCK_EX | LOCK_NB), (err) => {
    assert.strictEqual(err.code, 'EAGAIN');
    assert.strictEqual(err.syscall, isWindows ? 'LockFileEx' : 'flock');
    if (isWindows) assert.strictEqual(err.win32Error, 33); // ERROR_LOCK_VIOLATION
    return true;
  });
  assert.strictEqual(tryLock(b), false);
  assert.strictEqual(tryLock(b, { shared: true }), false);
});

test('SH and SH on two open()s are both granted; EX is refused while they hold', (t) => {
  const f = tempFile(t);
  const [a, b, c] = [f.open(), f.open(), f.open()];
  assert.strictEqual(tryLock(a, { shared: true }), true);
  assert.strictEqual(tryLock(b, { shared: true }), true);
  assert.strictEqual(tryLock(c), false);
  unlock(a);
  assert.strictEqual(tryLock(c), false, 'b still holds SH');
  unlock(b);
  assert.strictEqual(tryLock(c), true);
});

test('EX held refuses SH|NB elsewhere', (t) => {
  const f = tempFile(t);
  const [a, b] = [f.open(), f.open()];
  flockSync(a, 'ex');
  assert.throws(() => flockSync(b, 'shnb'), { code: 'EAGAIN' });
});

test('closing the locked fd releases; closing an unrelated fd of the same file does not', (t) => {
  const f = tempFile(t);
  const a = fs.openSync(f.path, 'r+');
  const unrelated = fs.openSync(f.path, 'r+');
  const b = f.open();
  flockSync(a, LOCK_EX);
  fs.closeSync(unrelated);
  assert.strictEqual(tryLock(b), false, 'closing another open file description released the lock');
  fs.closeSync(a);
  assert.strictEqual(tryLock(b), true);
});

test('unlock when nothing is locked is a no-op, and unlock is idempotent', (t) => {
  const f = tempFile(t);
  const a = f.open();
  unlock(a);
  flockSync(a, 'un');
  flockSync(a, 'ex');
  unlock(a);
  unlock(a);
  assert.strictEqual(tryLock(f.open()), true);
});

test('the same fd locked twice: granted on POSIX (a no-op), refused on Windows', (t) => {
  const a = tempFile(t).open();
  flockSync(a, LOCK_EX);
  if (isWindows) {
    assert.throws(() => flockSync(a, LOCK_EX | LOCK_NB), { code: 'EAGAIN' });
  } else {
    flockSync(a, LOCK_EX | LOCK_NB);
    assert.strictEqual(tryLock(a), true);
  }
});

test('reopening through /proc/self/fd is a new open file description (Linux)', { skip: process.platform !== 'linux' && 'Linux /proc' }, (t) => {
  const f = tempFile(t);
  const a = f.open();
  const reopened = fs.openSync(`/proc/self/fd/${a}`, 'r+');
  t.after(() => fs.closeSync(reopened));
  flockSync(a, LOCK_EX);
  assert.strictEqual(tryLock(reopened), false);
});

test('a failed non-blocking SH to EX upgrade drops the shared lock on POSIX', { skip: isWindows && 'POSIX conversion semantics' }, (t) => {
  const f = tempFile(t);
  const [a, b, c] = [f.open(), f.open(), f.open()];
  flockSync(a, LOCK_SH);
  flockSync(b, LOCK_SH);
  assert.throws(() => flockSync(a, LOCK_EX | LOCK_NB), { code: 'EAGAIN' });
  unlock(b);
  // a's SH is gone: an exclusive lock elsewhere is now granted.
  assert.strictEqual(tryLock(c), true);
});

test('a FileHandle works like its fd; closing the handle releases', async (t) => {
  const f = tempFile(t);
  const handle = await fs.promises.open(f.path, 'r+');
  const b = f.open();
  await flock(handle, LOCK_EX);
  assert.strictEqual(tryLock(b), false);
  flockSync(handle, 'un');
  assert.strictEqual(tryLock(handle), true);
  await handle.close();
  assert.strictEqual(tryLock(b), true);
  assert.throws(() => tryLock(handle), { code: 'EBADF' }, 'a closed FileHandle is EBADF');
});

test('non-blocking and unlock ops through the async flock settle at once', async (t) => {
  const f = tempFile(t);
  const [a, b] = [f.open(), f.open()];
  await flock(a, 'exnb');
  await assert.rejects(flock(b, 'exnb'), { code: 'EAGAIN' });
  await flock(a, 'un');
  await flock(b, 'shnb');
});

test('an fd open read-only can take EX, and write-only can take SH (local filesystems)', (t) => {
  const f = tempFile(t);
  const ro = f.open('r');
  flockSync(ro, 'exnb');
  unlock(ro);
  const wo = f.open('w');
  flockSync(wo, 'shnb');
});
