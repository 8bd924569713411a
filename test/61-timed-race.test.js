// flockSync with a timeout, the holder releasing right around the deadline: ETIMEDOUT always means nothing is
// held (a grant that raced the timeout is undone), and success always means the lock is held.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const { flockSync, tryLock, unlock } = require('..');
const { tempFile } = require('./helpers');

// The holder: a worker thread that locks its own open file, then releases it `jitter` µs after the main thread
// says go. Steps are ordered through shared memory: [0] round to lock, [1] round locked (-r) or released (r),
// [2] round to release; a float64 after them holds the delay.
const holder = `
const { workerData: { pkg, file, state }, parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { flockSync, unlock } = require(pkg);
const fd = fs.openSync(file, 'r+');
const s = new Int32Array(state, 0, 3);
const jitter = new Float64Array(state, 16, 1);
const until = (i, value) => { while (Atomics.load(s, i) !== value) Atomics.wait(s, i, Atomics.load(s, i), 1000); };
parentPort.postMessage('ready');
for (let round = 1; ; round++) {
  until(0, round);
  flockSync(fd, 'ex');
  Atomics.store(s, 1, -round);
  Atomics.notify(s, 1);
  until(2, round);
  const start = performance.now();
  while (performance.now() - start < jitter[0] / 1000);
  unlock(fd);
  Atomics.store(s, 1, round);
  Atomics.notify(s, 1);
}
`;

function set(s, i, value) {
  Atomics.store(s, i, value);
  Atomics.notify(s, i);
}

function until(s, i, value) {
  while (Atomics.load(s, i) !== value) Atomics.wait(s, i, Atomics.load(s, i), 1000);
}

test('2000 deadlines with a release jittered around them: every ETIMEDOUT leaves nothing held', async (t) => {
  const f = tempFile(t);
  const mine = f.open();
  const probe = f.open();
  const state = new SharedArrayBuffer(24);
  const s = new Int32Array(state, 0, 3);
  const jitter = new Float64Array(state, 16, 1);
  const worker = new Worker(holder, { eval: true, workerData: { pkg: path.join(__dirname, '..'), file: f.path, state } });
  t.after(() => worker.terminate());
  await new Promise((resolve) => worker.once('message', resolve)); // started: the main thread may block now
  const counts = { granted: 0, timedOut: 0 };
  const timeout = 2;
  for (let round = 1; round <= 2000; round++) {
    set(s, 0, round);
    until(s, 1, -round); // the worker holds the lock
    jitter[0] = timeout * 1000 + ((round % 41) - 20) * 5; // ±100 µs around the deadline
    set(s, 2, round);
    let timedOut = false;
    try {
      flockSync(mine, 'ex', { timeout });
    } catch (err) {
      assert.strictEqual(err.code, 'ETIMEDOUT');
      timedOut = true;
    }
    until(s, 1, round); // released
    if (timedOut) {
      counts.timedOut++;
      assert.strictEqual(tryLock(probe), true, `round ${round}: ETIMEDOUT, yet the lock is held`);
      unlock(probe);
    } else {
      counts.granted++;
      assert.strictEqual(tryLock(probe), false, `round ${round}: granted, yet not held`);
      unlock(mine);
    }
  }
  t.diagnostic(`outcomes: ${JSON.stringify(counts)}`);
  assert.ok(counts.timedOut > 0 && counts.granted > 0, 'the jitter straddles the deadline');
});
