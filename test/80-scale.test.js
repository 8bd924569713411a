// Many waiters in one process: all are granted in turn, with a bounded number of OS threads and bounded memory.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const { flock, flockSync, unlock } = require('..');
const { tempFile, isWine } = require('./helpers');

const WAITERS = isWine ? 1000 : 10_000; // Wine's fd table and wineserver make 10,000 handles very slow

function osThreads() {
  if (process.platform !== 'linux') return NaN;
  return Number(/^Threads:\s+(\d+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]);
}

test(`${WAITERS} concurrent waiters on one file are all granted in turn`, async (t) => {
  const f = tempFile(t);
  const holderFd = f.open();
  flockSync(holderFd, 'ex');
  const fds = Array.from({ length: WAITERS }, () => f.open());
  const threadsBefore = osThreads();
  const rssBefore = process.memoryUsage().rss;
  let granted = 0;
  let holding = 0;
  const waits = fds.map((fd) => flock(fd, 'ex').then(() => {
    holding++;
    assert.strictEqual(holding, 1, 'two exclusive holders at once');
    granted++;
    holding--;
    unlock(fd);
  }));
  await new Promise((resolve) => setImmediate(resolve));
  const threadsWaiting = osThreads();
  const rssWaiting = process.memoryUsage().rss;
  assert.strictEqual(granted, 0);
  const started = process.hrtime.bigint();
  unlock(holderFd);
  await Promise.all(waits);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  t.diagnostic(`threads: ${threadsBefore} before, ${threadsWaiting} with ${WAITERS} waiting; ` +
    `RSS +${((rssWaiting - rssBefore) / 1048576).toFixed(1)} MiB; all granted in ${ms.toFixed(0)} ms`);
  assert.strictEqual(granted, WAITERS);
  if (process.platform === 'linux') assert.ok(threadsWaiting - threadsBefore <= 16, `${threadsWaiting - threadsBefore} extra threads`);
});

test('waiters on 32 different files each wait on a thread of their own and are all granted', async (t) => {
  const files = Array.from({ length: 32 }, (_, i) => tempFile(t, `f${i}.lock`));
  const holders = files.map((f) => { const fd = f.open(); flockSync(fd, 'ex'); return fd; });
  const waits = files.map((f) => flock(f.open(), 'sh'));
  await new Promise((resolve) => setImmediate(resolve));
  holders.forEach((fd) => unlock(fd));
  await Promise.all(waits);
});

test('when the fd table fills up, thousands of queued waits reject EMFILE one by one, without a stack overflow', { skip: process.platform !== 'linux' && 'uses util-linux prlimit' }, async (t) => {
  const f = tempFile(t);
  const path = require('node:path');
  const { run } = require('./helpers');
  // A small stack and fd table: recursing once per failed waiter would overflow long before the last.
  const res = await run('prlimit', ['--nofile=6000:6000', process.execPath, '--stack-size=100',
    path.join(__dirname, 'fixtures', 'emfile.js'), f.path, '5000']);
  assert.strictEqual(res.code, 0, res.stderr);
  assert.deepStrictEqual(JSON.parse(res.stdout), { codes: { EMFILE: 5000 }, uncaught: null });
});
