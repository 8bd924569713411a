// Opt-in removal of the lock file on release, safe against the unlink race: a waiter that locked the old,
// unlinked inode notices and retries, so two holders never coexist.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { fork, spawnSync } = require('node:child_process');
const { once } = require('node:events');
const { ExclusiveLock, SharedLock, flockSync, tryLock, unlock } = require('..');
const { tempFile, isWindows } = require('./helpers');

test('removeOnRelease deletes the lock file; without it the file stays', async (t) => {
  const f = tempFile(t);
  const file = path.join(f.dir, 'removed.lock');
  const lock = await ExclusiveLock.acquire(file, { removeOnRelease: true });
  assert.ok(fs.existsSync(file));
  lock.release();
  assert.strictEqual(fs.existsSync(file), false);
  ExclusiveLock.acquireSync(file).release();
  assert.ok(fs.existsSync(file), 'never deleted by default');
});

test('a waiter on the unlinked inode retries on the new file instead of becoming a second holder', {
  skip: isWindows && 'Windows keeps a deleted file\'s name until its last handle closes, so this POSIX unlink race cannot be staged',
}, async (t) => {
  const f = tempFile(t);
  const file = path.join(f.dir, 'race.lock');
  const first = ExclusiveLock.acquireSync(file, { removeOnRelease: true });
  const waiting = ExclusiveLock.acquire(file, { removeOnRelease: true }); // opens the current inode, then waits
  await new Promise((resolve) => setImmediate(resolve));
  first.release(); // unlinks, then unlocks: the waiter is granted the old inode and must notice
  const third = ExclusiveLock.acquireSync(file, { removeOnRelease: true, timeout: 10_000 }); // a new inode
  const raced = await Promise.race([waiting.then(() => 'second holder'), new Promise((r) => setTimeout(r, 50, 'waiting'))]);
  assert.strictEqual(raced, 'waiting', 'the waiter holds a lock while the third party does');
  third.release();
  (await waiting).release();
  assert.strictEqual(fs.existsSync(file), false);
});

test('4 processes x 150 acquisitions with removeOnRelease: never two holders at once', async (t) => {
  const f = tempFile(t);
  const file = path.join(f.dir, 'shared.lock');
  const marker = path.join(f.dir, 'inside');
  const children = Array.from({ length: 4 }, () => fork(path.join(__dirname, 'fixtures', 'remover.js'), [file, marker, '150'], { stdio: ['ignore', 'inherit', 'pipe', 'ipc'] }));
  const results = await Promise.all(children.map(async (child) => {
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const [code] = await once(child, 'exit');
    return { code, stderr };
  }));
  for (const r of results) assert.deepStrictEqual(r, { code: 0, stderr: '' });
  assert.strictEqual(fs.existsSync(file), false);
});

test('a failed removal still releases the lock, then throws', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-flock-immutable-'));
  const file = path.join(dir, 'file.lock');
  t.after(() => { spawnSync('chattr', ['-i', dir]); fs.rmSync(dir, { recursive: true, force: true }); });
  const lock = ExclusiveLock.acquireSync(file, { removeOnRelease: true });
  // An immutable directory refuses the unlink, even to root (ext4 and others).
  if (spawnSync('chattr', ['+i', dir]).status !== 0) {
    lock.release();
    return t.skip('chattr +i is not supported here');
  }
  assert.throws(() => lock.release(), { code: 'EPERM' });
  assert.strictEqual(lock.held, false);
  const probe = fs.openSync(file, 'r+');
  t.after(() => fs.closeSync(probe));
  assert.strictEqual(tryLock(probe), true, 'nothing holds the file');
  lock.release(); // idempotent
});

test('upgrade re-checks the path: the file removed during the upgrade means the new file is locked', { skip: isWindows && 'an open file cannot be unlinked on Windows' }, async (t) => {
  const f = tempFile(t);
  const file = path.join(f.dir, 'upgraded.lock');
  const shared = SharedLock.acquireSync(file, { removeOnRelease: true });
  const otherReader = fs.openSync(file, 'r+');
  t.after(() => fs.closeSync(otherReader));
  flockSync(otherReader, 'sh'); // holds the upgrade back once the shared lock is dropped
  const upgrading = shared.upgrade({ timeout: 10_000 });
  fs.unlinkSync(file); // what a writer that slipped in does on release with removeOnRelease
  unlock(otherReader); // the upgrade is granted on the old, unlinked inode...
  const lock = await upgrading; // ...notices, and locks the path's new file instead
  const mine = fs.fstatSync(lock.fd);
  assert.ok(mine.nlink > 0, 'not the unlinked inode');
  assert.strictEqual(mine.ino, fs.statSync(file).ino, 'the file the path names now');
  const newcomer = fs.openSync(file, 'r+');
  t.after(() => fs.closeSync(newcomer));
  assert.strictEqual(tryLock(newcomer), false, 'a newcomer at the path is excluded');
  lock.release();
  assert.strictEqual(fs.existsSync(file), false);
});

test('a path naming a file with no links (/proc/self/fd of a deleted file) fails at once instead of retrying forever', { skip: process.platform !== 'linux' && '/proc/self/fd is Linux' }, async (t) => {
  const f = tempFile(t);
  const fd = fs.openSync(path.join(f.dir, 'gone.lock'), 'w+');
  t.after(() => fs.closeSync(fd));
  fs.unlinkSync(path.join(f.dir, 'gone.lock'));
  const target = `/proc/self/fd/${fd}`;
  assert.throws(() => ExclusiveLock.acquireSync(target, { removeOnRelease: true }), { code: 'ENOENT' });
  await assert.rejects(ExclusiveLock.acquire(target, { removeOnRelease: true }), { code: 'ENOENT' });
  assert.throws(() => ExclusiveLock.tryAcquireSync(target, { removeOnRelease: true }), { code: 'ENOENT' });
  ExclusiveLock.acquireSync(target).release(); // without removeOnRelease it is just a file
});

test('a shared removeOnRelease lock leaves the file while another reader holds it', { skip: isWindows && 'an open file cannot be unlinked on Windows' }, async (t) => {
  const f = tempFile(t);
  const file = path.join(f.dir, 'readers.lock');
  const a = SharedLock.acquireSync(file, { removeOnRelease: true });
  const b = await SharedLock.acquire(file, { removeOnRelease: true });
  a.release();
  assert.ok(fs.existsSync(file), 'b still reads: the file stays');
  assert.strictEqual(ExclusiveLock.tryAcquireSync(file, { removeOnRelease: true }), null, 'a writer is still excluded');
  b.release();
  assert.strictEqual(fs.existsSync(file), false, 'the last reader removes it');
});

test('removeOnRelease through a symlink removes the file it points to, not the link', { skip: isWindows && 'symlinks need privileges on Windows' }, async (t) => {
  const f = tempFile(t);
  const target = path.join(f.dir, 'target.lock');
  const link = path.join(f.dir, 'link.lock');
  fs.writeFileSync(target, '');
  fs.symlinkSync(target, link);
  const viaLink = ExclusiveLock.acquireSync(link, { removeOnRelease: true });
  assert.strictEqual(viaLink.path, fs.realpathSync(target));
  assert.strictEqual(ExclusiveLock.tryAcquireSync(target, { removeOnRelease: true }), null);
  viaLink.release();
  assert.strictEqual(fs.lstatSync(link).isSymbolicLink(), true, 'the link stays');
  assert.strictEqual(fs.existsSync(target), false, 'the file is removed');
});
