// The runtime smoke test of `npm run test:matrix`: what every runtime and host that fs-flock names must do (Bun,
// Deno, node.exe renamed under Wine). Plain CommonJS with no test framework, so that each runtime runs it as it is:
// a contended wait granted on release, a timeout and an abort that leave nothing held, lock objects, a worker
// terminated with a wait pending, and one terminated while its lock object holds. Prints one line per check; exits non-zero on the first failure.
'use strict';
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const { ExclusiveLock, flock, flockSync, SharedLock, tryLock, unlock } = require('../..');

const runtime = process.versions.bun ? `Bun ${process.versions.bun}` : process.versions.deno ? `Deno ${process.versions.deno}` : `Node ${process.version}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-flock-smoke-'));
const file = path.join(dir, 'lock');
fs.writeFileSync(file, '');
const open = () => fs.openSync(file, 'r+');
const check = (name) => console.log(`smoke (${runtime}): ${name}`);
const guard = (promise, ms, what) => Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms).unref())]);

async function main() {
  const a = open();
  const b = open();
  flockSync(a, 'ex');
  assert.strictEqual(tryLock(b), false);
  const granted = flock(b, 'ex');
  unlock(a);
  await guard(granted, 10_000, 'a contended wait');
  check('a contended wait is granted when the holder releases');

  await assert.rejects(flock(a, 'sh', { timeout: 30 }), { code: 'ETIMEDOUT' });
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 10);
  await assert.rejects(flock(a, 'ex', { signal: ac.signal }), { name: 'AbortError' });
  await assert.rejects(ExclusiveLock.acquire(file, { timeout: 30 }), { code: 'ETIMEDOUT' });
  unlock(b);
  assert.strictEqual(tryLock(a), true, 'the timed-out and aborted waits left something held');
  unlock(a);
  check('a timeout and an abort reject and leave nothing held');

  const shared = await SharedLock.acquire(file);
  assert.strictEqual(tryLock(a, { shared: true }), true);
  unlock(a);
  shared.release();
  check('lock objects');

  flockSync(a, 'ex');
  // The worker waits through an fd of its own (Deno's fds are per worker: a lent number is EBADF there), and says
  // 'waiting' only once the wait has gone a turn of its event loop without settling.
  const worker = new Worker(`
    const { parentPort, workerData } = require('node:worker_threads');
    const { flock } = require(workerData.pkg);
    let settled = null;
    flock(require('node:fs').openSync(workerData.file, 'r+'), 'ex').then(() => (settled = 'granted'), (err) => (settled = err.code));
    setImmediate(() => parentPort.postMessage(settled ?? 'waiting'));`, { eval: true, workerData: { pkg: path.join(__dirname, '..', '..'), file } });
  const said = await guard(new Promise((resolve) => worker.once('message', resolve)), 10_000, 'the worker');
  assert.strictEqual(said, 'waiting');
  await guard(worker.terminate(), 10_000, 'worker.terminate() with a wait pending');
  unlock(a);
  const ms = await lockedWithin(a, "the terminated worker's wait was granted to nobody");
  check(`worker.terminate() with a wait pending settles, and the wait is never granted to nobody (file free ${ms} ms after)`);
  // Bun, unlike Node and Deno, leaves a terminated worker's fds open: the lock of a lock object must go all the same.
  await lockObjectOfTerminatedWorker(a);
  fs.closeSync(a);
  fs.closeSync(b);
  fs.rmSync(dir, { recursive: true, force: true });
}

async function lockObjectOfTerminatedWorker(a) {
  const holder = new Worker(`
    const { parentPort, workerData } = require('node:worker_threads');
    globalThis.held = require(workerData.pkg).ExclusiveLock.acquireSync(workerData.file);
    parentPort.postMessage('held');
    setInterval(() => {}, 1000);`, { eval: true, workerData: { pkg: path.join(__dirname, '..', '..'), file } });
  assert.strictEqual(await guard(new Promise((resolve) => holder.once('message', resolve)), 10_000, 'the holder'), 'held');
  assert.strictEqual(tryLock(a), false);
  await guard(holder.terminate(), 10_000, 'worker.terminate() with a lock object held');
  const ms = await lockedWithin(a, "the terminated worker's lock object still holds the file");
  check(`a terminated worker's lock object releases its lock (${ms} ms after terminate() resolved)`);
}

/**
 * Deno resolves terminate() before the worker's environment is torn down, so what the worker held or waited for
 * goes a moment later: fd must lock (then it is unlocked again) within 5 s. The milliseconds it took.
 */
async function lockedWithin(fd, what) {
  const started = Date.now();
  let free; // (locking an fd twice fails on Windows: the first success is the answer)
  while (!(free = tryLock(fd)) && Date.now() - started < 5000) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.strictEqual(free, true, `${what} after 5 s`);
  unlock(fd);
  return Date.now() - started;
}

main().then(() => check('all passed'), (err) => {
  console.error(`smoke (${runtime}): FAILED:`, err);
  process.exit(1);
});
