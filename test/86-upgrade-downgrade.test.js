// SharedLock.upgrade() and ExclusiveLock.downgrade() against another process, with the state each object reports.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { ExclusiveLock, SharedLock } = require('..');
const { tempFile, holder } = require('./helpers');

async function otherProcess(t, file) {
  const h = await holder(t);
  const { fd } = await h.send({ open: true, path: file });
  return { h, fd };
}

test('downgrade: another process can join with SH at once, EX still excluded', async (t) => {
  const f = tempFile(t);
  const { h, fd } = await otherProcess(t, f.path);
  const ex = await ExclusiveLock.acquire(f.path);
  assert.strictEqual((await h.send({ try: true, fd, shared: true })).granted, false);
  const sh = ex.downgrade();
  assert.strictEqual(ex.held, false, 'the exclusive object is handed over');
  assert.strictEqual(sh.held, true);
  assert.strictEqual(sh.shared, true);
  assert.strictEqual(sh.fd, ex.fd);
  assert.strictEqual((await h.send({ try: true, fd, shared: true })).granted, true, 'others can join');
  await h.send({ unlock: true, fd });
  assert.strictEqual((await h.send({ try: true, fd })).granted, false, 'still no EX for others');
  ex.release(); // a no-op: the lock belongs to `sh` now
  assert.strictEqual((await h.send({ try: true, fd })).granted, false);
  sh.release();
  assert.strictEqual((await h.send({ try: true, fd })).granted, true);
  assert.throws(() => ex.downgrade(), { code: 'ERR_INVALID_STATE' });
});

test('downgrade never waits: with another process waiting for EX in the kernel it returns a SharedLock at once', async (t) => {
  const f = tempFile(t);
  const { h, fd } = await otherProcess(t, f.path);
  const ex = ExclusiveLock.acquireSync(f.path);
  h.post({ lock: true, fd, op: 'ex' });
  assert.deepStrictEqual(await h.next(), { waiting: true });
  const sh = ex.downgrade(); // a non-blocking conversion on the event-loop thread
  assert.strictEqual(sh.held, true);
  assert.strictEqual(ex.held, false);
  const reader = (await h.send({ open: true, path: f.path })).fd;
  assert.strictEqual((await h.send({ try: true, fd: reader, shared: true })).granted, true, 'readers join');
  await h.send({ unlock: true, fd: reader });
  sh.release();
  assert.strictEqual((await h.next()).granted, true, 'the EX waiter gets the file once SH is gone');
});

test('upgrade: waits for the other process\'s SH to go, then holds EX', async (t) => {
  const f = tempFile(t);
  const { h, fd } = await otherProcess(t, f.path);
  const sh = SharedLock.acquireSync(f.path);
  assert.strictEqual((await h.send({ lock: true, fd, op: 'sh' })).granted, true);
  const upgrading = sh.upgrade({ timeout: 60_000 });
  assert.strictEqual(sh.held, false, 'released as soon as the upgrade starts');
  await h.send({ unlock: true, fd });
  const ex = await upgrading;
  assert.strictEqual(ex.held, true);
  assert.strictEqual(ex.shared, false);
  assert.strictEqual((await h.send({ try: true, fd, shared: true })).granted, false);
  ex.release();
  assert.strictEqual((await h.send({ try: true, fd })).granted, true);
});

test('a failed upgrade (timeout) leaves nothing held and reports it', async (t) => {
  const f = tempFile(t);
  const { h, fd } = await otherProcess(t, f.path);
  const sh = SharedLock.acquireSync(f.path);
  assert.strictEqual((await h.send({ lock: true, fd, op: 'sh' })).granted, true);
  await assert.rejects(sh.upgrade({ timeout: 20 }), { code: 'ETIMEDOUT' });
  assert.strictEqual(sh.held, false, 'the shared lock was dropped by the attempt');
  sh.release(); // idempotent
  await h.send({ unlock: true, fd });
  assert.strictEqual((await h.send({ try: true, fd })).granted, true, 'nothing of ours is held');
  await assert.rejects(sh.upgrade(), { code: 'ERR_INVALID_STATE' });
});

test('an aborted upgrade leaves nothing held', async (t) => {
  const f = tempFile(t);
  const { h, fd } = await otherProcess(t, f.path);
  const sh = await SharedLock.acquire(f.path);
  assert.strictEqual((await h.send({ lock: true, fd, op: 'sh' })).granted, true);
  const ac = new AbortController();
  const upgrading = sh.upgrade({ signal: ac.signal });
  ac.abort();
  await assert.rejects(upgrading, { name: 'AbortError' });
  await h.send({ unlock: true, fd });
  assert.strictEqual((await h.send({ try: true, fd })).granted, true);
});

test('upgrade and downgrade validate their options', async (t) => {
  const sh = SharedLock.acquireSync(tempFile(t).path);
  await assert.rejects(sh.upgrade({ timeout: -1 }), { code: 'ERR_OUT_OF_RANGE' });
  assert.strictEqual(sh.held, true, 'a bad argument changes nothing');
  await assert.rejects(sh.upgrade({ mode: 1 }), { code: 'ERR_INVALID_ARG_VALUE' });
  sh.release();
});
