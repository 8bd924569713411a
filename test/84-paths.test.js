// Path targets: a Buffer is raw bytes, as Node's fs treats it, so names that are not valid UTF-8 lock the very
// file they name, and two different byte names never collide.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const { ExclusiveLock, tryLock } = require('..');
const { tempFile, isWindows } = require('./helpers');

test('Buffer paths that are not valid UTF-8 lock the files their bytes name', { skip: isWindows && 'Windows file names are UTF-16' }, async (t) => {
  const f = tempFile(t);
  const dir = Buffer.from(`${f.dir}/`);
  const a = Buffer.concat([dir, Buffer.from([0x61, 0xff, 0x2e, 0x6c])]); // "a\xff.l"
  const b = Buffer.concat([dir, Buffer.from([0x61, 0xfe, 0x2e, 0x6c])]); // decodes to the same string as a
  const first = ExclusiveLock.acquireSync(a);
  const second = await ExclusiveLock.acquire(b, { timeout: 1000 }); // a different file: no contention
  assert.ok(Buffer.isBuffer(first.path) && first.path.equals(a));
  assert.ok(second.path.equals(b));
  assert.ok(fs.existsSync(a) && fs.existsSync(b));
  assert.strictEqual(fs.existsSync(a.toString()), false, 'no file at the lossily decoded name');
  const probe = fs.openSync(a, 'r+');
  t.after(() => fs.closeSync(probe));
  assert.strictEqual(tryLock(probe), false, 'the file the bytes name is the one locked');
  first.release();
  second.release();
  assert.strictEqual(tryLock(probe), true);
});

test('a relative Buffer path is resolved against the working directory, bytes kept', { skip: isWindows && 'Windows file names are UTF-16' }, async (t) => {
  const f = tempFile(t);
  const cwd = process.cwd();
  process.chdir(f.dir);
  t.after(() => process.chdir(cwd));
  const name = Buffer.from([0x72, 0xff]);
  const lock = ExclusiveLock.acquireSync(name, { removeOnRelease: true });
  const absolute = Buffer.concat([Buffer.from(`${process.cwd()}/`), name]);
  assert.ok(lock.path.equals(absolute));
  process.chdir(cwd); // release must still find the file after a chdir
  lock.release();
  assert.strictEqual(fs.existsSync(absolute), false, 'removed at its absolute path');
});
