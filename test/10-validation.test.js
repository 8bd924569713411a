// Bad input: typed errors before any syscall, system errors with code/errno/syscall, never a crash.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const { flock, flockSync, tryLock, unlock, LOCK_SH, LOCK_EX, LOCK_NB, LOCK_UN } = require('..');
const { tempFile, isWindows } = require('./helpers');

const syscall = isWindows ? 'LockFileEx' : 'flock';

test('constants have the <sys/file.h> values', () => {
  assert.deepStrictEqual([LOCK_SH, LOCK_EX, LOCK_NB, LOCK_UN], [1, 2, 4, 8]);
});

test('a non-integer fd is ERR_INVALID_ARG_TYPE', async () => {
  for (const fd of [undefined, null, 'foo', '3', 1.5, NaN, Infinity, {}, [], () => 3, 3n, true]) {
    const expected = { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' };
    assert.throws(() => flockSync(fd, LOCK_EX), expected, String(fd));
    assert.throws(() => tryLock(fd), expected, String(fd));
    assert.throws(() => unlock(fd), expected, String(fd));
    await assert.rejects(flock(fd, LOCK_EX), expected, String(fd));
  }
});

test('a negative or too large fd is ERR_OUT_OF_RANGE', async () => {
  for (const fd of [-1, -2, 2 ** 31, 2 ** 53]) {
    const expected = { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' };
    assert.throws(() => flockSync(fd, LOCK_EX), expected);
    assert.throws(() => tryLock(fd), expected);
    await assert.rejects(flock(fd, 'ex'), expected);
  }
});

test('an fd that is not open is EBADF, with errno and syscall', async (t) => {
  const f = tempFile(t);
  const closed = fs.openSync(f.path, 'r+');
  fs.closeSync(closed);
  for (const fd of [98765, closed]) {
    const check = (err) => {
      assert.strictEqual(err.code, 'EBADF');
      assert.strictEqual(typeof err.errno, 'number');
      assert.ok(err.errno < 0);
      assert.strictEqual(err.syscall, syscall);
      assert.match(err.message, new RegExp(`^EBADF: .*, ${syscall}$`));
      return true;
    };
    assert.throws(() => flockSync(fd, LOCK_EX | LOCK_NB), check);
    assert.throws(() => flockSync(fd, LOCK_EX), check);
    assert.throws(() => tryLock(fd), check);
    await assert.rejects(flock(fd, LOCK_EX), check);
  }
  assert.throws(() => unlock(98765), { code: 'EBADF' });
});

test('an invalid op is ERR_INVALID_ARG_VALUE, a wrong-typed op ERR_INVALID_ARG_TYPE', async (t) => {
  const fd = tempFile(t).open();
  const badValues = ['foo', 'EX', '', LOCK_SH | LOCK_EX, LOCK_NB, 0, LOCK_UN | LOCK_SH, LOCK_UN | LOCK_EX, 16, 32 | LOCK_EX, -1, 1.5, NaN];
  for (const op of badValues) {
    assert.throws(() => flockSync(fd, op), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }, String(op));
    await assert.rejects(flock(fd, op), { code: 'ERR_INVALID_ARG_VALUE' }, String(op));
  }
  for (const op of [undefined, null, {}, [], true, 2n]) {
    assert.throws(() => flockSync(fd, op), { code: 'ERR_INVALID_ARG_TYPE' }, String(op));
  }
  // none of that took a lock
  const other = tempFile(t).open();
  assert.strictEqual(tryLock(other), true);
});

test('bad options are typed errors, before any syscall', async (t) => {
  const f = tempFile(t);
  const fd = f.open();
  assert.throws(() => flockSync(fd, 'ex', 5), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => flockSync(fd, 'ex', null), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => flockSync(fd, 'ex', { timout: 5 }), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => flockSync(fd, 'ex', { signal: undefined }), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => flockSync(fd, 'ex', { timeout: '5' }), { code: 'ERR_INVALID_ARG_TYPE' });
  for (const timeout of [-1, NaN, -Infinity, 2 ** 31]) {
    assert.throws(() => flockSync(fd, 'ex', { timeout }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    await assert.rejects(flock(fd, 'ex', { timeout }), { code: 'ERR_OUT_OF_RANGE' });
  }
  await assert.rejects(flock(fd, 'ex', { signal: {} }), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(flock(fd, 'ex', { signal: 'x' }), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => tryLock(fd, { shared: 1 }), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => tryLock(fd, { exclusive: true }), { code: 'ERR_INVALID_ARG_VALUE' });
  // nothing above locked the file
  assert.strictEqual(tryLock(f.open()), true);
});

test('the string ops behave like their bitmasks', (t) => {
  const f = tempFile(t);
  const a = f.open();
  const b = f.open();
  flockSync(a, 'sh');
  flockSync(b, 'shnb');
  assert.throws(() => flockSync(a, 'exnb'), { code: 'EAGAIN' });
  flockSync(b, 'un');
  if (isWindows) {
    // Windows cannot convert a lock held by the same handle (SH -> EX is refused, see README): release it first.
    assert.throws(() => flockSync(a, 'exnb'), { code: 'EAGAIN' });
    flockSync(a, 'un');
  }
  flockSync(a, 'exnb');
  flockSync(a, 'un');
  flockSync(b, 'ex');
  assert.strictEqual(tryLock(a, { shared: true }), false);
});
