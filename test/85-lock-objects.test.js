// ExclusiveLock and SharedLock: every target kind, every acquire style, release, and in-thread safety.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { ExclusiveLock, SharedLock, tryLock, unlock } = require('..');
const { tempFile, holder, isWindows, isWine } = require('./helpers');

const openFds = () => (process.platform === 'linux' ? fs.readdirSync('/proc/self/fd').length : 0);

test('acquire on a path creates the file (never truncating it), opens it read-write and closes it on release', async (t) => {
  const f = tempFile(t);
  const file = path.join(f.dir, 'new.lock');
  const before = openFds();
  const lock = await ExclusiveLock.acquire(file);
  assert.ok(fs.existsSync(file));
  assert.strictEqual(lock.held, true);
  assert.strictEqual(lock.shared, false);
  assert.strictEqual(lock.path, file);
  assert.strictEqual(typeof lock.fd, 'number');
  const unrelated = f.open();
  assert.strictEqual(tryLock(unrelated), true, 'unrelated file not locked');
  unlock(unrelated);
  const other = fs.openSync(file, 'r+');
  t.after(() => fs.closeSync(other));
  assert.strictEqual(tryLock(other), false);
  fs.writeFileSync(f.path, 'keep me');
  const existing = ExclusiveLock.acquireSync(f.path);
  assert.strictEqual(fs.readFileSync(f.path, 'utf8'), 'keep me');
  existing.release();
  lock.release();
  assert.strictEqual(lock.held, false);
  assert.strictEqual(tryLock(other), true);
  if (process.platform === 'linux') assert.strictEqual(openFds(), before + 2, 'only `unrelated` and `other` are still open');
});

test('every target kind: string, file: URL, Buffer, fd, FileHandle', async (t) => {
  const f = tempFile(t);
  const probe = f.open();
  const handle = await fs.promises.open(f.path, 'r+');
  t.after(() => handle.close());
  const fd = f.open();
  for (const target of [f.path, pathToFileURL(f.path), Buffer.from(f.path), fd, handle]) {
    const lock = ExclusiveLock.tryAcquireSync(target);
    assert.ok(lock, `locked ${typeof target}`);
    assert.strictEqual(tryLock(probe), false);
    lock.release();
    assert.strictEqual(tryLock(probe), true);
    unlock(probe);
  }
  // an fd target is unlocked, never closed, by release
  const lock = await SharedLock.acquire(fd);
  assert.strictEqual(lock.path, null);
  lock.release();
  fs.fstatSync(fd);
  fs.fstatSync(handle.fd);
});

test('SharedLock + SharedLock coexist; ExclusiveLock.tryAcquire is null meanwhile', async (t) => {
  const f = tempFile(t);
  const a = await SharedLock.acquire(f.path);
  const b = SharedLock.acquireSync(f.path);
  assert.strictEqual(a.shared, true);
  assert.strictEqual(await ExclusiveLock.tryAcquire(f.path), null);
  assert.strictEqual(ExclusiveLock.tryAcquireSync(f.path), null);
  a.release();
  assert.strictEqual(ExclusiveLock.tryAcquireSync(f.path), null, 'b still holds');
  b.release();
  const ex = ExclusiveLock.tryAcquireSync(f.path);
  assert.ok(ex);
  assert.strictEqual(await SharedLock.tryAcquire(f.path), null);
  ex.release();
});

test('release is idempotent; dispose releases', async (t) => {
  const f = tempFile(t);
  const lock = ExclusiveLock.acquireSync(f.path);
  lock.release();
  lock.release();
  lock[Symbol.dispose]();
  await lock[Symbol.asyncDispose]();
  const second = ExclusiveLock.acquireSync(f.path);
  second[Symbol.dispose]();
  assert.strictEqual(second.held, false);
  const third = await ExclusiveLock.acquire(f.path);
  await third[Symbol.asyncDispose]();
  assert.strictEqual(third.held, false);
  assert.ok(ExclusiveLock.tryAcquireSync(f.path)?.release() === undefined);
});

test('acquireSync with no timeout on a file this thread already holds throws EDEADLK at once', async (t) => {
  const f = tempFile(t);
  const held = ExclusiveLock.acquireSync(f.path);
  assert.throws(() => ExclusiveLock.acquireSync(f.path), { code: 'EDEADLK' });
  assert.throws(() => SharedLock.acquireSync(f.path), { code: 'EDEADLK' });
  // with a timeout it is allowed to wait, and times out
  assert.throws(() => ExclusiveLock.acquireSync(f.path, { timeout: 20 }), { code: 'ETIMEDOUT' });
  held.release();
  const sh = SharedLock.acquireSync(f.path);
  const sh2 = SharedLock.acquireSync(f.path); // SH + SH never deadlock
  assert.throws(() => ExclusiveLock.acquireSync(f.path), { code: 'EDEADLK' });
  sh.release();
  sh2.release();
});

test('an async acquire behind a lock of this thread waits its turn', async (t) => {
  const f = tempFile(t);
  const held = ExclusiveLock.acquireSync(f.path);
  setTimeout(() => held.release(), 20);
  const lock = await ExclusiveLock.acquire(f.path, { timeout: 10_000 });
  assert.strictEqual(held.held, false);
  lock.release();
});

test('a pending async acquire counts as a holder for the EDEADLK check', async (t) => {
  const f = tempFile(t);
  const h = await holder(t);
  const { fd } = await h.send({ open: true, path: f.path });
  await h.send({ lock: true, fd, op: 'ex' });
  const pending = ExclusiveLock.acquire(f.path);
  assert.throws(() => ExclusiveLock.acquireSync(f.path), { code: 'EDEADLK' });
  await h.send({ unlock: true, fd });
  (await pending).release();
});

test('two lock objects on one fd: refused on every platform (EDEADLK, or null from tryAcquire)', async (t) => {
  const fd = tempFile(t).open();
  const a = SharedLock.acquireSync(fd);
  assert.strictEqual(SharedLock.tryAcquireSync(fd), null);
  assert.throws(() => SharedLock.acquireSync(fd), { code: 'EDEADLK' });
  await assert.rejects(ExclusiveLock.acquire(fd), { code: 'EDEADLK' });
  a.release();
  ExclusiveLock.acquireSync(fd).release();
});

test('timeout and abort: typed errors, nothing held, no file left open', async (t) => {
  const f = tempFile(t);
  const h = await holder(t);
  const { fd } = await h.send({ open: true, path: f.path });
  await h.send({ lock: true, fd, op: 'ex' });
  const before = openFds();
  await assert.rejects(ExclusiveLock.acquire(f.path, { timeout: 30 }), { code: 'ETIMEDOUT' });
  await assert.rejects(SharedLock.acquire(f.path, { signal: AbortSignal.timeout(30) }), { name: 'AbortError' });
  assert.throws(() => ExclusiveLock.acquireSync(f.path, { timeout: 0 }), { code: 'ETIMEDOUT' });
  assert.strictEqual(openFds(), before);
  await h.send({ unlock: true, fd });
  assert.strictEqual((await h.send({ try: true, fd })).granted, true);
});

test('the timeout error names the holder (Linux)', { skip: process.platform !== 'linux' && '/proc/locks is Linux' }, async (t) => {
  const f = tempFile(t);
  const h = await holder(t);
  const { fd } = await h.send({ open: true, path: f.path });
  await h.send({ lock: true, fd, op: 'ex' });
  await assert.rejects(ExclusiveLock.acquire(f.path, { timeout: 10 }), (err) => {
    assert.strictEqual(err.code, 'ETIMEDOUT');
    assert.match(err.message, new RegExp(`lock held by pid ${h.child.pid} \\(exclusive\\), flock$`));
    assert.deepStrictEqual(err.holders, [{ pid: h.child.pid, mode: 'exclusive' }]);
    return true;
  });
});

test('bad targets and options: typed errors and no file left open', async (t) => {
  const f = tempFile(t);
  const before = openFds();
  const cases = [
    ['', { code: 'ERR_INVALID_ARG_VALUE' }],
    [Buffer.alloc(0), { code: 'ERR_INVALID_ARG_VALUE' }],
    ['a\0b', { code: 'ERR_INVALID_ARG_VALUE' }],
    [path.join(f.dir, 'missing-dir', 'x.lock'), { code: 'ENOENT' }],
    // Linux refuses to open a directory read-write; Wine opens it, and fs-flock refuses it the same way.
    [f.dir, isWindows && !isWine ? { code: /^(EISDIR|EPERM|EACCES)$/ } : { code: 'EISDIR' }],
    [new URL('http://example.com/x'), { code: 'ERR_INVALID_URL_SCHEME' }],
    [undefined, { code: 'ERR_INVALID_ARG_TYPE' }],
    [{}, { code: 'ERR_INVALID_ARG_TYPE' }],
    [-1, { code: 'ERR_OUT_OF_RANGE' }],
    [98765, { code: 'EBADF' }],
  ];
  for (const [target, expected] of cases) {
    assert.throws(() => ExclusiveLock.acquireSync(target), expected, String(target));
    await assert.rejects(SharedLock.acquire(target), expected, String(target));
    assert.throws(() => SharedLock.tryAcquireSync(target), expected, String(target));
  }
  assert.throws(() => ExclusiveLock.acquireSync(path.join(f.dir, 'nope.lock'), { create: false }), { code: 'ENOENT' });
  const badOptions = [
    [{ timeout: -1 }, 'ERR_OUT_OF_RANGE'], [{ timeout: 'x' }, 'ERR_INVALID_ARG_TYPE'], [{ mode: '644' }, 'ERR_INVALID_ARG_TYPE'],
    [{ mode: 0o10000 }, 'ERR_OUT_OF_RANGE'], [{ create: 'yes' }, 'ERR_INVALID_ARG_TYPE'], [{ removeOnRelease: 1 }, 'ERR_INVALID_ARG_TYPE'],
    [{ bogus: true }, 'ERR_INVALID_ARG_VALUE'], [5, 'ERR_INVALID_ARG_TYPE'], [{ signal: 'x' }, 'ERR_INVALID_ARG_TYPE'],
  ];
  for (const [options, code] of badOptions) {
    await assert.rejects(ExclusiveLock.acquire(f.path, options), { code }, JSON.stringify(options));
  }
  assert.throws(() => ExclusiveLock.acquireSync(f.path, { signal: AbortSignal.abort() }), { code: 'ERR_INVALID_ARG_VALUE' }, 'signal is async-only');
  assert.throws(() => ExclusiveLock.tryAcquireSync(f.path, { timeout: 5 }), { code: 'ERR_INVALID_ARG_VALUE' }, 'try has no timeout');
  assert.throws(() => ExclusiveLock.acquireSync(f.open(), { removeOnRelease: true }), { code: 'ERR_INVALID_ARG_VALUE' }, 'removal needs a path');
  if (process.platform === 'linux') assert.strictEqual(openFds(), before + 1, 'only the fd opened by the last line is open');
});

test('a symlinked lock path is followed: it locks the file it points to', { skip: isWindows && 'symlinks need privileges on Windows' }, (t) => {
  const f = tempFile(t);
  const link = path.join(f.dir, 'link.lock');
  fs.symlinkSync(f.path, link);
  const lock = ExclusiveLock.acquireSync(link);
  assert.strictEqual(ExclusiveLock.tryAcquireSync(f.path), null);
  assert.strictEqual(lock.path, link);
  lock.release();
});

test('a read-only file gives EACCES', { skip: (process.getuid?.() === 0 || isWindows) && 'root (CI) bypasses file modes; Windows has a read-only attribute instead' }, (t) => {
  const f = tempFile(t);
  fs.chmodSync(f.path, 0o444);
  assert.throws(() => ExclusiveLock.acquireSync(f.path), { code: 'EACCES' });
});

test('locks exclude each other across processes', async (t) => {
  const f = tempFile(t);
  const lock = await ExclusiveLock.acquire(f.path);
  const h = await holder(t);
  const { fd } = await h.send({ open: true, path: f.path });
  assert.strictEqual((await h.send({ lock: true, fd, op: 'sh' })).waiting, true);
  lock.release();
  assert.strictEqual((await h.next()).granted, true);
  assert.strictEqual(ExclusiveLock.tryAcquireSync(f.path), null);
  const sh = SharedLock.tryAcquireSync(f.path);
  assert.ok(sh, 'SH joins the other process\'s SH');
  sh.release();
});

test('lock objects cannot be constructed directly: only acquire() and its kin make one', (t) => {
  const f = tempFile(t);
  for (const Kind of [ExclusiveLock, SharedLock]) {
    for (const args of [[], [f.path], [{ fd: 0, key: 'x' }], [Symbol('fs-flock: internal'), { fd: 0 }]]) {
      assert.throws(() => new Kind(...args), { name: 'TypeError', code: 'ERR_ILLEGAL_CONSTRUCTOR' });
    }
  }
  // Nothing was registered by the failed constructions: the file is free and a lock object works as before.
  const lock = ExclusiveLock.acquireSync(f.path);
  assert.strictEqual(lock.held, true);
  lock.release();
});
