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
