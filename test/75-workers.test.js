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
