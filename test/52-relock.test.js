// An async lock on an fd that already holds a lock converts or re-locks at once (flock(2) semantics) instead of
// queueing behind this process's waiters for that very lock, which would never be granted.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { flock, flockSync, tryLock, unlock } = require('..');
const { tempFile } = require('./helpers');

const skip = process.platform !== 'linux' && 'only Linux tells what an open file holds (/proc/self/fdinfo)';
const pending = (p) => Promise.race([p.then(() => 'settled', () => 'settled'), new Promise((r) => setTimeout(r, 20, 'pending'))]);

test('EX held, other waiters queued: flock(sameFd, EX) resolves at once', { skip }, async (t) => {
  const f = tempFile(t);
  const a = f.open();
  flockSync(a, 'ex');
  const b = flock(f.open(), 'ex');
  const c = flock(f.open(), 'sh');
  await flock(a, 'ex', { timeout: 5000 });
  await flock(a, 'ex', { timeout: 5000 });
  assert.strictEqual(await pending(b), 'pending');
  unlock(a);
  await b;
  assert.strictEqual(await pending(c), 'pending', 'c queued behind b, which holds EX now');
});

test('SH held alone, an EX waiter queued: flock(sameFd, EX) converts at once', { skip }, async (t) => {
  const f = tempFile(t);
  const a = f.open();
  const probe = f.open();
  flockSync(a, 'sh');
  const bFd = f.open();
  const b = flock(bFd, 'ex');
  await flock(a, 'ex', { timeout: 5000 });
  assert.strictEqual(tryLock(probe, { shared: true }), false, 'a holds EX now');
  assert.strictEqual(await pending(b), 'pending');
  unlock(a);
  await b;
  unlock(bFd);
});

test('SH held with another SH holder: the conversion drops SH and waits its turn, behind the EX waiter', { skip }, async (t) => {
  const f = tempFile(t);
  const a = f.open();
  const other = f.open();
  flockSync(a, 'sh');
  flockSync(other, 'sh');
  const bFd = f.open();
  const order = [];
  const b = flock(bFd, 'ex').then(() => order.push('b'));
  const converted = flock(a, 'ex', { timeout: 10_000 }).then(() => order.push('a'));
  assert.strictEqual(await pending(converted), 'pending', 'the other SH holder blocks the conversion');
  unlock(other);
  await b;
  unlock(bFd);
  await converted;
  assert.deepStrictEqual(order, ['b', 'a']);
  unlock(a);
});
