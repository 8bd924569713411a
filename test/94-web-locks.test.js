// The Web Locks API across processes: request() semantics (modes, ifAvailable, signal, results and errors as the
// specification names them), the name-to-file encoding, the default directory's safety checks, and query().
'use strict';
const { test } = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { isWindows, tempFile, run } = require('./helpers');
const { Lock, LockManager, lockFileName, locks, ExclusiveLock } = require('..');

const manager = (t) => new LockManager({ directory: path.join(tempFile(t).dir, 'locks') });

test('processes take turns: a counter incremented under one name by 4 processes is exact, and never two inside', async (t) => {
  const f = tempFile(t);
  const dir = path.join(f.dir, 'locks');
  const counter = path.join(f.dir, 'counter');
  const log = path.join(f.dir, 'log');
  fs.writeFileSync(counter, '0');
  const fixture = path.join(__dirname, 'fixtures', 'weblocks-user.js');
  const results = await Promise.all(Array.from({ length: 4 }, () => run(process.execPath, [fixture, dir, 'nightly build', '50', counter, log])));
  for (const r of results) assert.deepStrictEqual([r.code, r.stderr], [0, '']);
  assert.strictEqual(fs.readFileSync(counter, 'utf8'), '200');
  // One log per process, merged on the system-wide monotonic clock.
  const lines = fs.readdirSync(f.dir).filter((n) => n.startsWith('log.')).flatMap((n) => fs.readFileSync(path.join(f.dir, n), 'utf8').trim().split('\n'));
  assert.strictEqual(lines.length, 4 * 50 * 2);
  let inside = 0;
  for (const [what] of lines.map((l) => l.split(' ')).sort((a, b) => (BigInt(a[1]) < BigInt(b[1]) ? -1 : 1))) {
    inside += what === 'enter' ? 1 : -1;
    assert.ok(inside <= 1, 'two inside at once');
  }
  assert.deepStrictEqual(fs.readdirSync(dir), [lockFileName('nightly build')]);
});

test('request resolves with the callback\'s result once released; a throwing callback rejects with its error', async (t) => {
  const m = manager(t);
  const file = path.join(m.directory, lockFileName('job'));
  const result = await m.request('job', async (lock) => {
    assert.ok(lock instanceof Lock);
    assert.deepStrictEqual([lock.name, lock.mode], ['job', 'exclusive']);
    assert.strictEqual(ExclusiveLock.tryAcquireSync(file), null, 'the lock file is locked meanwhile');
    return 'done';
  });
  assert.strictEqual(result, 'done');
  await assert.rejects(m.request('job', { mode: 'exclusive' }, () => { throw new Error('boom'); }), /boom/);
  const after = ExclusiveLock.tryAcquireSync(file);
  assert.ok(after, 'released after the callback threw');
  after.release();
  assert.strictEqual(await m.request('job', () => 7), 7); // a plain (non-async) callback too
  assert.throws(() => new Lock(), { code: 'ERR_ILLEGAL_CONSTRUCTOR' });
});

test('modes and ifAvailable against another process: shared with shared, exclusive alone; null when taken', async (t) => {
  const m = manager(t);
  const file = path.join((await m.request('data', () => m.directory)), lockFileName('data'));
  const child = spawn(process.execPath, ['-e', `
    const { SharedLock } = require(${JSON.stringify(path.join(__dirname, '..'))});
    SharedLock.acquireSync(${JSON.stringify(file)});
    process.stdout.write('held\\n');
    process.stdin.resume();`]);
  t.after(() => child.kill());
  await new Promise((resolve) => child.stdout.once('data', resolve));
  assert.strictEqual(await m.request('data', { mode: 'shared', ifAvailable: true }, (lock) => lock?.mode), 'shared');
  assert.strictEqual(await m.request('data', { ifAvailable: true }, (lock) => lock), null);
  const waiting = m.request('data', () => 'granted after the reader left');
  const snapshot = await m.query();
  assert.deepStrictEqual(snapshot.pending.map((x) => [x.name, x.mode]), [['data', 'exclusive']]);
  if (process.platform === 'linux') assert.deepStrictEqual(snapshot.held, [{ name: 'data', mode: 'shared', clientId: `${child.pid}`, pid: child.pid }]);
  child.kill();
  assert.strictEqual(await waiting, 'granted after the reader left');
  assert.deepStrictEqual(await m.query(), { held: [], pending: [] });
});

test('signal: an abort while waiting rejects with the signal\'s reason and leaves nothing held or pending', async (t) => {
  const m = manager(t);
  const reason = new Error('changed my mind');
  await m.request('slow', async () => {
    const controller = new AbortController();
    const waiting = m.request('slow', { signal: controller.signal }, () => 'never');
    assert.strictEqual((await m.query()).pending.length, 1);
    controller.abort(reason);
    await assert.rejects(waiting, (err) => err === reason);
    assert.strictEqual((await m.query()).pending.length, 0);
    await assert.rejects(m.request('slow', { signal: AbortSignal.abort() }, () => 'never'), { name: 'AbortError' });
  });
  assert.strictEqual(await m.request('slow', { ifAvailable: true }, (lock) => lock !== null), true);
});

test('errors as the specification names them, and steal refused', async (t) => {
  const m = manager(t);
  const signal = new AbortController().signal;
  const notSupported = [
    ['-reserved', {}],
    ['x', { steal: true, ifAvailable: true }],
    ['x', { steal: true, mode: 'shared' }],
    ['x', { ifAvailable: true, signal }],
    ['x', { steal: true, signal }],
    ['x', { steal: true }],
  ];
  for (const [name, options] of notSupported) {
    await assert.rejects(m.request(name, options, () => {}), (err) => err instanceof DOMException && err.name === 'NotSupportedError', JSON.stringify([name, options]));
  }
  await assert.rejects(m.request('x', { steal: true }, () => {}), /no process can take a kernel lock another process holds/);
  await assert.rejects(m.request('x'), TypeError);
  await assert.rejects(m.request('x', {}, 'callback'), TypeError);
  await assert.rejects(m.request('x', { mode: 'write' }, () => {}), TypeError);
  await assert.rejects(m.request('x', { signal: 'no' }, () => {}), TypeError);
  assert.throws(() => new LockManager({ directory: 42 }), TypeError);
});

test('names map to distinct files by a documented encoding, case and length included', async (t) => {
  const m = manager(t);
  const long = 'x'.repeat(300);
  const names = ['a', 'A', '', '.', '..', 'a/b', 'a\\b', 'con', 'CON', 'nul', 'com1', 'a b', 'a%20b', '%', 'ü', 'u\u0308', '日本語', '\0', '\uD800', '\uFFFD', '~', long, `${long}y`, 'x'.repeat(199), 'x'.repeat(200), 'x'.repeat(201)];
  const files = names.map(lockFileName);
  assert.strictEqual(new Set(files.map((f) => f.toLowerCase())).size, names.length, 'distinct even where case does not count');
  for (const file of files) {
    assert.match(file, /^[a-z0-9_%~-]*\.lock$/); // the empty name is ".lock"
    assert.ok(file.length <= 206, file);
  }
  assert.deepStrictEqual([lockFileName('nightly-build'), lockFileName('A b'), lockFileName('con'), lockFileName('é')], ['nightly-build.lock', '%41%20b.lock', '%63on.lock', '%u00e9.lock']);
  for (const name of names) assert.strictEqual(await m.request(name, (lock) => lock.name), name);
  assert.strictEqual(fs.readdirSync(m.directory).length, names.length);
  // A hashed name keeps the name in its file, so that query() can name it.
  if (process.platform === 'linux') {
    const held = await m.request(`${long}y`, async () => (await m.query()).held);
    assert.deepStrictEqual(held.map((x) => x.name), [`${long}y`]);
  }
});

test('query() names other processes\' holders from the kernel (Linux), flock(1) included', { skip: process.platform !== 'linux' && 'the kernel lock table is Linux\'s /proc/locks' }, async (t) => {
  const m = manager(t);
  await m.request('report', () => {}); // makes the directory
  const file = path.join(m.directory, lockFileName('report'));
  const child = spawn('flock', ['-s', file, '-c', 'echo held; read line']);
  t.after(() => child.kill());
  await new Promise((resolve) => child.stdout.once('data', resolve));
  // flock(1) forks the shell, which holds the lock it inherited: the kernel names flock's pid as the taker.
  await m.request('report', { mode: 'shared' }, async () => {
    const { held } = await m.query();
    assert.deepStrictEqual(held.map((x) => [x.name, x.mode, typeof x.pid]).sort(), [['report', 'shared', 'number'], ['report', 'shared', 'undefined']]);
    assert.ok(held.some((x) => x.pid === child.pid && x.clientId === String(child.pid)));
    assert.ok(held.some((x) => x.clientId.includes(':')), 'this thread\'s own grant, with its clientId');
  });
  assert.strictEqual(await m.request('report', { ifAvailable: true }, (lock) => lock), null, 'flock(1) holds it shared');
  child.stdin.end('\n');
});

test('the default directory: per user, created owner-only, refused when a symlink, foreign or open to others', { skip: isWindows && 'POSIX ownership and modes' }, async (t) => {
  const f = tempFile(t);
  const probe = (tmp) => run(process.execPath, ['-e', `
    const { locks } = require(${JSON.stringify(path.join(__dirname, '..'))});
    locks.request('x', () => locks.directory).then((d) => console.log(d), (e) => console.log(e.code, e.message));`], { env: { ...process.env, TMPDIR: tmp } });
  const uid = process.getuid();
  const fresh = path.join(f.dir, 'fresh');
  fs.mkdirSync(fresh);
  const ok = await probe(fresh);
  assert.strictEqual(ok.stdout.trim(), path.join(fresh, `fs-flock-${uid}`));
  assert.strictEqual(fs.statSync(path.join(fresh, `fs-flock-${uid}`)).mode & 0o777, 0o700);
  assert.strictEqual(locks.directory, path.join(os.tmpdir(), `fs-flock-${uid}`));

  const cases = { symlink: (d) => fs.symlinkSync(fs.mkdtempSync(path.join(f.dir, 'elsewhere-')), d), open: (d) => fs.mkdirSync(d, { mode: 0o777 }) };
  if (uid === 0) cases.foreign = (d) => { fs.mkdirSync(d, { mode: 0o700 }); fs.chownSync(d, 65534, 65534); };
  for (const [what, make] of Object.entries(cases)) {
    const tmp = path.join(f.dir, what);
    fs.mkdirSync(tmp);
    make(path.join(tmp, `fs-flock-${uid}`));
    if (what === 'open') fs.chmodSync(path.join(tmp, `fs-flock-${uid}`), 0o777);
    const r = await probe(tmp);
    assert.match(r.stdout, /^ERR_UNSAFE_LOCK_DIRECTORY fs-flock: refusing the lock directory /, what);
  }
  assert.ok(uid !== 0 || Object.keys(cases).length === 3);
});

test('Web Locks requests do not join a reentrant withLock scope: they follow the specification (one at a time)', async (t) => {
  const m = manager(t);
  // A nested request of a held name waits for it, as in a browser: ifAvailable shows it is not granted.
  await m.request('n', async () => {
    assert.strictEqual(await m.request('n', { ifAvailable: true }, (lock) => lock), null);
    assert.strictEqual(await m.request('n', { mode: 'shared', ifAvailable: true }, (lock) => lock), null);
  });
});
