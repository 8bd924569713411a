// worker_threads: the addon loads in workers, and locks taken in two workers exclude each other (each worker
// opens the file itself, so they hold different open file descriptions).
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const { once } = require('node:events');
const { tempFile } = require('./helpers');

const body = `
const { parentPort, workerData } = require('node:worker_threads');
const { ExclusiveLock } = require(workerData.pkg);
let lock = null;
parentPort.on('message', async (cmd) => {
  if (cmd === 'try') { lock = ExclusiveLock.tryAcquireSync(workerData.file); parentPort.postMessage(lock ? 'held' : 'refused'); }
  if (cmd === 'wait') { lock = await ExclusiveLock.acquire(workerData.file); parentPort.postMessage('held'); }
  if (cmd === 'release') { lock.release(); parentPort.postMessage('released'); }
});`;

function worker(t, file) {
  const w = new Worker(body, { eval: true, workerData: { pkg: path.join(__dirname, '..'), file } });
  t.after(() => w.terminate());
  return { send: (cmd) => { w.postMessage(cmd); return once(w, 'message').then(([m]) => m); }, w };
}

test('two workers taking EX on one file exclude each other', async (t) => {
  const f = tempFile(t);
  const a = worker(t, f.path);
  const b = worker(t, f.path);
  assert.strictEqual(await a.send('try'), 'held');
  assert.strictEqual(await b.send('try'), 'refused');
  const bWaits = b.send('wait');
  assert.strictEqual(await a.send('release'), 'released');
  assert.strictEqual(await bWaits, 'held');
  assert.strictEqual(await a.send('try'), 'refused');
  assert.strictEqual(await b.send('release'), 'released');
});

test('a worker terminated while it loads the addon never aborts the process', async () => {
  // node-addon-api throws when Init's calls fail in a terminating worker; that throw used to be fatal.
  const script = `
    const { Worker } = require('node:worker_threads');
    const { once } = require('node:events');
    (async () => {
      for (let i = 0; i < 300; i++) {
        const w = new Worker(${JSON.stringify(`require(${JSON.stringify(path.join(__dirname, '..'))})`)}, { eval: true });
        await once(w, 'online');
        for (const end = performance.now() + (i % 7) * 0.4; performance.now() < end;);
        await w.terminate();
      }
    })();`;
  const { run } = require('./helpers');
  const res = await run(process.execPath, ['-e', script], { timeout: 120_000 });
  assert.doesNotMatch(res.stderr, /FATAL ERROR/);
  assert.deepStrictEqual({ code: res.code, signal: res.signal }, { code: 0, signal: null });
});

test('a process that loads fs-flock only in workers outlives them and the pool threads they used', async () => {
  // Node unloads an addon when the last environment that loaded it ends; pool threads still parked in its code
  // then crashed the process when they woke (SIGSEGV once their idle time ran out). fs-flock pins itself.
  const f = path.join(require('node:os').tmpdir(), `fs-flock-unload-${process.pid}.lock`);
  require('node:fs').writeFileSync(f, '');
  const script = `
    const fs = require('node:fs');
    const { Worker } = require('node:worker_threads');
    const { once } = require('node:events');
    // Threads are counted on Linux; elsewhere the wait is ten times the idle time.
    const linux = process.platform === 'linux';
    const threads = () => (linux ? fs.readdirSync('/proc/self/task').length : 0);
    const body = ${JSON.stringify(`
      const fs = require('node:fs');
      const { parentPort, workerData: { pkg, file, plan } } = require('node:worker_threads');
      const { flock, flockSync } = require(pkg);
      const a = fs.openSync(file, 'r+'), b = fs.openSync(file, 'r+');
      flockSync(a, 'ex');
      if (plan === 'timed') {
        try { flockSync(b, 'ex', { timeout: 20 }); } catch (err) { parentPort.postMessage(err.code); }
      } else {
        flock(b, 'ex').then(() => parentPort.postMessage('granted'));
        if (plan === 'granted') flockSync(a, 'un'); else parentPort.postMessage('waiting');
      }`)};
    (async () => {
      const before = threads();
      for (const plan of ['granted', 'waiting', 'timed']) {
        const w = new Worker(body, { eval: true, workerData: { pkg: ${JSON.stringify(path.join(__dirname, '..'))}, file: ${JSON.stringify(f)}, plan } });
        const [said] = await once(w, 'message');
        await w.terminate();
        console.log(plan, said);
      }
      // The pool threads exit after their idle time (100 ms here): wait until they have.
      if (!linux) await new Promise((r) => setTimeout(r, 1000));
      while (threads() > before) await new Promise((r) => setTimeout(r, 20));
      console.log('pool threads gone');
    })();`;
  const { run } = require('./helpers');
  try {
    const res = await run(process.execPath, ['-e', script], { timeout: 60_000, env: { ...process.env, FS_FLOCK_TEST_POOL_IDLE_MS: '100' } });
    assert.deepStrictEqual({ code: res.code, signal: res.signal, stderr: res.stderr }, { code: 0, signal: null, stderr: '' });
    assert.strictEqual(res.stdout, 'granted granted\nwaiting waiting\ntimed ETIMEDOUT\npool threads gone\n');
  } finally {
    require('node:fs').rmSync(f, { force: true });
  }
});

test("a lock object held by a terminated worker is released: its open of the path is not left holding it", async (t) => {
  // Node and Deno close a worker's fds when it ends; Bun does not, so there only the addon's teardown (which
  // unlocks the files its lock objects opened) keeps the file from staying locked until the process ends.
  const f = tempFile(t);
  const { ExclusiveLock } = require('..');
  const pkg = path.join(__dirname, '..');
  const w = new Worker(`
    const { parentPort, workerData } = require('node:worker_threads');
    const { ExclusiveLock } = require(workerData.pkg);
    globalThis.held = [ExclusiveLock.acquireSync(workerData.file)];
    parentPort.postMessage('held');
    setInterval(() => {}, 1000);`, { eval: true, workerData: { pkg, file: f.path } });
  t.after(() => w.terminate());
  assert.strictEqual((await once(w, 'message'))[0], 'held');
  assert.strictEqual(ExclusiveLock.tryAcquireSync(f.path), null);
  await w.terminate();
  const lock = ExclusiveLock.tryAcquireSync(f.path);
  assert.ok(lock, 'the terminated worker still holds the lock');
  lock.release();
});
