// Blocking waits: in the kernel on dedicated threads, never on the libuv pool, without spinning.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const { flock, flockSync, tryLock, unlock } = require('..');
const { tempFile, holder } = require('./helpers');

async function heldElsewhere(t, paths) {
  const h = await holder(t);
  const fds = [];
  for (const path of paths) {
    const { fd } = await h.send({ open: true, path });
    assert.strictEqual((await h.send({ lock: true, fd, op: 'ex' })).granted, true);
    fds.push(fd);
  }
  return { h, fds, releaseAll: () => Promise.all(fds.map((fd) => h.send({ unlock: true, fd }))) };
}

function bounded(promise, ms, what) {
  let timer;
  const limit = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms); });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

test('with 72 waits pending (64 on one file, 8 on others), fs.promises.readFile still completes', async (t) => {
  assert.ok(!process.env.UV_THREADPOOL_SIZE || Number(process.env.UV_THREADPOOL_SIZE) <= 4, 'the pool is not enlarged to hide anything');
  const main = tempFile(t);
  const others = Array.from({ length: 8 }, (_, i) => tempFile(t, `other${i}.lock`));
  const { releaseAll } = await heldElsewhere(t, [main.path, ...others.map((o) => o.path)]);
  const waits = [];
  for (let i = 0; i < 64; i++) waits.push(flock(main.open(), 'sh'));
  for (const o of others) waits.push(flock(o.open(), 'ex'));
  let settled = 0;
  for (const w of waits) w.then(() => settled++);
  const small = tempFile(t, 'data.txt');
  fs.writeFileSync(small.path, 'hello');
  for (let i = 0; i < 8; i++) {
    assert.strictEqual(await bounded(fs.promises.readFile(small.path, 'utf8'), 10_000, 'readFile'), 'hello');
  }
  await bounded(fs.promises.stat(small.path), 10_000, 'stat');
  assert.strictEqual(settled, 0, 'no wait was granted while the other process held the locks');
  await releaseAll();
  await bounded(Promise.all(waits), 20_000, 'waits after release');
  assert.strictEqual(settled, 72);
});

test('a wait resolves after the other process releases; the event loop runs meanwhile; no spinning', async (t) => {
  const f = tempFile(t);
  const { h, fds } = await heldElsewhere(t, [f.path]);
  const fd = f.open();
  let ticks = 0;
  const interval = setInterval(() => ticks++, 5);
  t.after(() => clearInterval(interval));
  const cpuBefore = process.cpuUsage();
  let granted = false;
  const waiting = flock(fd, 'ex').then(() => (granted = true));
  const released = new Promise((resolve) => setTimeout(resolve, 200)).then(() => h.send({ unlock: true, fd: fds[0] }));
  await released;
  await bounded(waiting, 10_000, 'wait');
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  t.diagnostic(`CPU time during a ~200 ms wait: ${cpuMs.toFixed(1)} ms; interval ticks: ${ticks}`);
  assert.strictEqual(granted, true);
  assert.ok(ticks >= 5, `the event loop kept running (${ticks} ticks)`);
  assert.ok(cpuMs < 50, `CPU time ${cpuMs} ms during the wait`);
  assert.strictEqual((await h.send({ try: true, fd: fds[0] })).granted, false, 'this process holds it now');
});

test('waiters in one process on the same file are granted in FIFO order; consecutive SH together', async (t) => {
  const f = tempFile(t);
  const holderFd = f.open();
  flockSync(holderFd, 'ex');
  const order = [];
  const ops = ['ex', 'sh', 'sh', 'sh', 'ex', 'sh'];
  const fds = ops.map(() => f.open());
  const waits = ops.map((op, i) => flock(fds[i], op).then(() => order.push(i)));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepStrictEqual(order, []);
  unlock(holderFd);
  await new Promise((resolve) => setTimeout(resolve, 0));
  await waits[0];
  assert.deepStrictEqual(order, [0]);
  unlock(fds[0]);
  await Promise.all(waits.slice(1, 4));
  assert.deepStrictEqual(order.slice(1).sort(), [1, 2, 3], 'the three SH waiters hold together');
  assert.strictEqual(order.length, 4, 'the EX waiter behind them waits');
  for (const i of [1, 2, 3]) unlock(fds[i]);
  await waits[4];
  unlock(fds[4]);
  await waits[5];
  assert.deepStrictEqual(order.slice(4), [4, 5]);
});

test('an async EX wait behind a lock this process holds on another fd waits its turn', async (t) => {
  const f = tempFile(t);
  const [a, b] = [f.open(), f.open()];
  flockSync(a, 'ex');
  setTimeout(() => unlock(a), 20);
  await bounded(flock(b, 'ex'), 10_000, 'wait');
  assert.strictEqual(tryLock(a), false);
});

test('a failure other than contention rejects with the system error', async (t) => {
  const f = tempFile(t);
  const fd = fs.openSync(f.path, 'r+');
  fs.closeSync(fd);
  await assert.rejects(flock(fd, 'ex'), { code: 'EBADF' });
});
