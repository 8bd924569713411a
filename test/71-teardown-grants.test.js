// Grants that reach a worker while it is ending. The previous release aborted the whole process (FATAL ERROR:
// Error::ThrowAsJavaScriptException napi_throw, from the worker's environment cleanup) when a granted wait was
// still undelivered as the worker ended, and a worker torn down with such a grant left the file locked.
// Each scenario runs for some rounds in a child process (test/fixtures/teardown-grants.js), which must exit
// cleanly; steps are ordered by messages and by watching the kernel's lock table, never by sleeping.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const { fork } = require('node:child_process');
const { once } = require('node:events');
const { tempFile } = require('./helpers');

const fixture = path.join(__dirname, 'fixtures', 'teardown-grants.js');
const HANG = 30_000; // only to catch a hang; a round takes milliseconds
const BUDGET = 3_000; // ms of rounds per scenario at most, so that a slow machine runs fewer rounds, not longer

/** Runs `rounds` rounds of `mode` in a child process; resolves with its exit, stderr and per-round reports. */
async function scenario(t, mode, rounds, files = 4) {
  const { dir } = tempFile(t); // its directory, removed when the test ends
  const child = fork(fixture, [mode, dir, String(rounds), String(BUDGET), String(files)], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  t.after(() => child.kill('SIGKILL'));
  const timer = setTimeout(() => child.kill('SIGKILL'), HANG);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const reports = [];
  let done = null;
  child.on('message', (m) => (m.done ? (done = m) : reports.push(m)));
  const [code, signal] = await once(child, 'close'); // after the IPC channel too: every message has arrived
  clearTimeout(timer);
  return { code, signal, stderr, reports, done };
}

/** The child process ran every round and exited by itself, neither aborted nor killed by the hang guard. */
function assertClean({ code, signal, stderr, reports, done }) {
  const detail = `child exited with code ${code}, signal ${signal} after ${reports.length} rounds; stderr:\n${stderr}`;
  assert.doesNotMatch(stderr, /FATAL ERROR/, detail);
  assert.deepStrictEqual({ code, signal }, { code: 0, signal: null }, detail);
  assert.ok(done, detail);
  assert.ok(done.rounds >= 1 && reports.length === done.rounds, detail);
}

/** Every round set up what it meant to: all grants happened in the kernel while the worker could not take them. */
function assertSetUp(reports) {
  for (const r of reports) {
    assert.strictEqual(r.granted, true, `round ${r.round}: the worker's waits were not granted within the bound`);
    assert.strictEqual(r.expired, false, `round ${r.round}: the worker's busy loop ended before the round did`);
  }
}

/** After each round nothing holds the files: a fresh fd gets the lock, and /proc/locks lists no lock of ours. */
function assertFree(reports, { unless } = {}) {
  for (const r of reports) {
    for (const [i, p] of r.probes.entries()) {
      if (unless && unless(p)) continue;
      const where = `round ${r.round}, file ${i} (waited for through the ${p.fd === 'own' ? "worker's own fd" : "main thread's fd"})`;
      assert.deepStrictEqual({ free: p.free, holders: p.holders }, { free: true, holders: [] }, `${where} is still locked`);
    }
  }
}

test('terminating a worker whose wait was granted while its loop was busy does not abort the process', async (t) => {
  const result = await scenario(t, 'busy', 30);
  assertClean(result);
  assertSetUp(result.reports);
  for (const r of result.reports) assert.strictEqual(r.continued, 0, `round ${r.round}: the grant was delivered`);
});

test('releasing a lock, then at once terminating the idle worker that waited for it, does not abort the process', async (t) => {
  const result = await scenario(t, 'idle', 40);
  assertClean(result);
  // Whether the grant reached the worker first is a race; either way its fd is closed with it (Node closes the fds
  // a worker opened), and no reference of fs-flock's own may keep the lock.
  assertFree(result.reports, { unless: (p) => p.open });
});

test("process.exit() in a worker's first grant continuation, with more grants queued, does not abort the process", async (t) => {
  const result = await scenario(t, 'exit', 30, 4);
  assertClean(result);
  assertSetUp(result.reports);
  for (const r of result.reports) {
    assert.strictEqual(r.exitCode, 0, `round ${r.round}: worker exit code`);
    assert.ok(r.continued >= 1, `round ${r.round}: no grant was delivered`);
  }
  assertFree(result.reports, { unless: (p) => p.open });
});

test('a worker terminated with a granted, undelivered wait leaves the file unlocked', async (t) => {
  const result = await scenario(t, 'busy', 10);
  // First the locks of the rounds that reported, then that every round did and the process exited cleanly.
  for (const r of result.reports) assert.strictEqual(r.continued, 0, `round ${r.round}: the grant was delivered`);
  assertFree(result.reports);
  assertSetUp(result.reports);
  assertClean(result);
});
