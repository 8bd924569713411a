// Locks between processes: the EX/SH matrix with real children ordered by IPC, inheritance, and process death.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const { spawn } = require('node:child_process');
const { flockSync, tryLock, unlock } = require('..');
const { tempFile, holder, run, firstLine, isWindows } = require('./helpers');

for (const [first, second] of [['ex', 'ex'], ['ex', 'sh'], ['sh', 'ex'], ['sh', 'sh']]) {
  const overlap = first === 'sh' && second === 'sh';
  test(`${first.toUpperCase()} then ${second.toUpperCase()} in two processes: ${overlap ? 'both in at once' : 'the second enters after the first leaves'}`, async (t) => {
    const f = tempFile(t);
    const [a, b] = await Promise.all([holder(t), holder(t)]);
    const { fd: fa } = await a.send({ open: true, path: f.path });
    const { fd: fb } = await b.send({ open: true, path: f.path });
    assert.strictEqual((await a.send({ lock: true, fd: fa, op: first })).granted, true);
    const reply = await b.send({ lock: true, fd: fb, op: second });
    if (overlap) {
      assert.strictEqual(reply.granted, true, 'SH and SH overlap');
      assert.strictEqual(tryLock(f.open()), false, 'both hold SH: EX refused');
      await a.send({ unlock: true, fd: fa });
      await b.send({ unlock: true, fd: fb });
    } else {
      assert.strictEqual(reply.waiting, true, 'the second process found the lock taken');
      const released = await a.send({ unlock: true, fd: fa });
      const granted = await b.next();
      assert.strictEqual(granted.granted, true);
      assert.ok(BigInt(granted.at) >= BigInt(released.at), 'granted only after the release');
      await b.send({ unlock: true, fd: fb });
    }
    assert.strictEqual(tryLock(f.open()), true, 'nothing held at the end');
  });
}

test('a child process blocked behind this process gets the lock when this process releases', async (t) => {
  const f = tempFile(t);
  const mine = f.open();
  flockSync(mine, 'ex');
  const b = await holder(t);
  const { fd } = await b.send({ open: true, path: f.path });
  assert.strictEqual((await b.send({ lock: true, fd, op: 'ex' })).waiting, true);
  unlock(mine);
  assert.strictEqual((await b.next()).granted, true);
  assert.strictEqual(tryLock(mine), false);
});

test('killing the holder with SIGKILL frees the lock', async (t) => {
  const f = tempFile(t);
  const a = await holder(t);
  const { fd } = await a.send({ open: true, path: f.path });
  await a.send({ lock: true, fd, op: 'ex' });
  const mine = f.open();
  assert.strictEqual(tryLock(mine), false);
  a.child.kill('SIGKILL');
  const [code, signal] = await a.exited;
  assert.strictEqual(code, null);
  assert.strictEqual(signal, 'SIGKILL');
  // Windows releases a dead process's locks asynchronously: poll, with a bound.
  const deadline = Date.now() + 10_000;
  while (!tryLock(mine)) {
    assert.ok(isWindows && Date.now() < deadline, 'lock still held after the holder died');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
});

test('Node fds are close-on-exec: a spawned child does not inherit the lock', async (t) => {
  const f = tempFile(t);
  const a = fs.openSync(f.path, 'r+');
  flockSync(a, 'ex');
  const b = await holder(t); // alive while we check
  fs.closeSync(a);
  assert.strictEqual(tryLock(f.open()), true, 'the child kept the lock through an inherited fd');
  b.post({ exit: true, code: 0 });
  assert.deepStrictEqual(await b.exited, [0, null]);
});

test('an fd passed to a child shares the lock: the child\'s LOCK_UN releases the parent\'s lock', { skip: isWindows && 'uses util-linux flock(1)' }, async (t) => {
  const f = tempFile(t);
  const a = f.open();
  const other = f.open();
  flockSync(a, 'ex');
  // The child's fd 3 is a dup of ours: the same open file description, so it already holds the lock ...
  const held = await run('flock', ['-n', '3'], { stdio: ['ignore', 'pipe', 'pipe', a] });
  assert.strictEqual(held.code, 0, 'the inherited fd holds the same lock');
  assert.strictEqual(tryLock(other), false);
  // ... and unlocking it unlocks ours. A wrapper must never unlock an fd it does not own.
  const res = await run('flock', ['-u', '3'], { stdio: ['ignore', 'pipe', 'pipe', a] });
  assert.strictEqual(res.code, 0);
  assert.strictEqual(tryLock(other), true);
});

test('a holder process can be spawned with the lock and keep it while it lives', { skip: isWindows && 'uses util-linux flock(1)' }, async (t) => {
  const f = tempFile(t);
  const child = spawn('flock', ['-x', f.path, '-c', 'echo held; read line'], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => child.kill());
  assert.strictEqual(await firstLine(child), 'held');
  assert.strictEqual(tryLock(f.open()), false);
  child.stdin.end();
  await new Promise((resolve) => child.on('exit', resolve));
  assert.strictEqual(tryLock(f.open()), true);
});
