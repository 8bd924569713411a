// holders(): who holds flock locks on a file, from /proc/locks (Linux), matched by device and inode.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { holders, flockSync } = require('..');
const { tempFile, firstLine } = require('./helpers');

const linux = process.platform === 'linux';

test('holders() names a flock(1) holder and its mode', { skip: !linux && '/proc/locks is Linux-only' }, async (t) => {
  const f = tempFile(t);
  assert.deepStrictEqual(holders(f.path), []);
  for (const [flag, mode] of [['-s', 'shared'], ['-x', 'exclusive']]) {
    const child = spawn('flock', [flag, f.path, '-c', 'echo held; cat >/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
    t.after(() => child.kill());
    assert.strictEqual(await firstLine(child), 'held');
    assert.deepStrictEqual(holders(f.path), [{ pid: child.pid, mode }]);
    child.stdin.end();
    await new Promise((resolve) => child.on('exit', resolve));
  }
  assert.deepStrictEqual(holders(f.path), []);
});

test('holders() lists this process, by path, fd or FileHandle, and not other files', { skip: !linux && '/proc/locks is Linux-only' }, (t) => {
  const f = tempFile(t);
  const other = tempFile(t, 'other.lock');
  const a = f.open();
  const b = f.open();
  flockSync(a, 'sh');
  flockSync(b, 'sh');
  const me = { pid: process.pid, mode: 'shared' };
  assert.deepStrictEqual(holders(f.path), [me, me]);
  assert.deepStrictEqual(holders(a), [me, me]);
  assert.deepStrictEqual(holders(other.path), []);
});

test('holders() is null where the platform cannot tell, and validates its argument', { skip: linux && 'this platform can tell' }, (t) => {
  assert.strictEqual(holders(tempFile(t).path), null);
});

test('holders() errors: missing file, bad target', (t) => {
  assert.throws(() => holders(path.join(tempFile(t).dir, 'missing')), { code: 'ENOENT' });
  assert.throws(() => holders({}), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => holders(-1), { code: 'ERR_OUT_OF_RANGE' });
});
