// Pending waits never keep a process or worker from ending: process.exit(), an uncaught exception and
// worker.terminate() all finish promptly, and a terminated worker's waits are not granted to nobody.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const { fork } = require('node:child_process');
const { once } = require('node:events');
const { flockSync, unlock } = require('..');
const { tempFile } = require('./helpers');

const fixture = path.join(__dirname, 'fixtures', 'teardown.js');
const HANG = 20_000; // only to catch a hang; a prompt exit takes milliseconds

function start(t, mode, file, stdout = 'ignore') {
  const child = fork(fixture, [mode, file], { stdio: ['ignore', stdout, 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), HANG);
  const exited = once(child, 'exit').then(([code, signal]) => {
    clearTimeout(timer);
    return { code, signal, stderr };
  });
  t.after(() => child.kill('SIGKILL'));
  return { child, exited, next: () => once(child, 'message').then(([m]) => m) };
}

function heldFile(t) {
  const f = tempFile(t);
  const fd = f.open();
  flockSync(fd, 'ex');
  return { f, fd };
}

test('process.exit() with waits pending exits promptly with its code', async (t) => {
  const { f } = heldFile(t);
  const c = start(t, 'exit', f.path);
  assert.deepStrictEqual(await c.next(), { waiting: true });
  c.child.send('go');
  const { code, signal } = await c.exited;
  assert.deepStrictEqual({ code, signal }, { code: 7, signal: null });
});

test('an uncaught exception with waits pending exits promptly with code 1', async (t) => {
  const { f } = heldFile(t);
  const c = start(t, 'throw', f.path);
  assert.deepStrictEqual(await c.next(), { waiting: true });
  c.child.send('go');
  const { code, signal, stderr } = await c.exited;
  assert.deepStrictEqual({ code, signal }, { code: 1, signal: null });
  assert.match(stderr, /boom/);
});

test('worker.terminate() with waits pending returns promptly and leaves nothing locked', async (t) => {
  const { f, fd } = heldFile(t);
  const c = start(t, 'worker', f.path);
  assert.deepStrictEqual(await c.next(), { terminated: true });
  unlock(fd);
  c.child.send('check');
  assert.deepStrictEqual(await c.next(), { free: true });
  const { code, signal } = await c.exited;
  assert.deepStrictEqual({ code, signal }, { code: 0, signal: null });
});

test('a pending wait keeps the process alive until it is granted, like pending I/O', async (t) => {
  const { f, fd } = heldFile(t);
  const c = start(t, 'keepalive', f.path, 'pipe');
  let out = '';
  c.child.stdout.on('data', (d) => (out += d));
  await once(c.child, 'disconnect');
  unlock(fd);
  const { code, signal } = await c.exited;
  assert.deepStrictEqual({ code, signal }, { code: 0, signal: null });
  assert.strictEqual(out.trim(), 'granted');
});
