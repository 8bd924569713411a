// Opt-in removal of the lock file on release, safe against the unlink race: a waiter that locked the old,
// unlinked inode notices and retries, so two holders never coexist.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { fork } = require('node:child_process');
const { once } = require('node:events');
const { ExclusiveLock } = require('..');
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
