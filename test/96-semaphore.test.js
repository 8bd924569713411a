// Semaphore: at most N holders across processes, slot files that flock(1) can take, the first free slot taken
// without polling, FIFO within a process, a bounded number of kernel waits, and nothing held after a timeout or
// an abort.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { tempFile, holder, run } = require('./helpers');
const { Semaphore, Slot, withSemaphore, MAX_SLOTS } = require('..');

/** A holder process with the slot files open: hold(i) and drop(i) lock and unlock slot i there. */
async function slotHolder(t, base, slots) {
  const h = await holder(t);
  const fds = [];
  for (let i = 0; i < slots; i++) fds.push((await h.send({ open: true, path: `${base}.${i}`, flags: 'a+' })).fd);
  return {
    pid: h.child.pid,
    hold: async (i) => assert.strictEqual((await h.send({ lock: true, fd: fds[i], op: 'ex' })).granted, true),
    drop: (i, after) => h.send({ unlock: true, fd: fds[i], after }),
    free: async (i) => {
      const { granted } = await h.send({ try: true, fd: fds[i] });
      if (granted) await h.send({ unlock: true, fd: fds[i] });
      return granted;
    },
  };
}

/** Resolves once `condition()` holds: for a state that only the kernel can report. */
async function until(condition) {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${condition}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Linux: how many blocked flock(2) requests the kernel lists for the files of `base`'s slots. */
function blockedOn(base, slots) {
  const inos = new Set(Array.from({ length: slots }, (_, i) => String(fs.statSync(`${base}.${i}`).ino)));
  return fs.readFileSync('/proc/locks', 'latin1').split('\n').filter((l) => / -> FLOCK /.test(l) && inos.has(l.split(/\s+/)[6]?.split(':')[2])).length;
}

test('several processes: never more than N inside at once, and N inside at times', async (t) => {
  const f = tempFile(t);
  const base = path.join(f.dir, 'jobs.lock');
  const log = path.join(f.dir, 'log');
  const fixture = path.join(__dirname, 'fixtures', 'semaphore-user.js');
  const procs = Array.from({ length: 5 }, () => run(process.execPath, [fixture, base, '2', '30', log]));
  for (const r of await Promise.all(procs)) assert.deepStrictEqual([r.code, r.stderr], [0, '']);
  // One log per process, merged on the system-wide monotonic clock: "enter <t> <pid> <slot>" / "leave ...".
  const lines = fs.readdirSync(f.dir).filter((n) => n.startsWith('log.')).flatMap((n) => fs.readFileSync(path.join(f.dir, n), 'utf8').trim().split('\n'));
  assert.strictEqual(lines.length, 5 * 30 * 2);
  const events = lines.map((l) => l.split(' ')).sort((a, b) => (BigInt(a[1]) < BigInt(b[1]) ? -1 : 1));
  const inside = new Map();
  let most = 0;
  for (const [what, , pid, slot] of events) {
    if (what === 'enter') {
      assert.ok(![...inside.values()].includes(slot), `slot ${slot} taken twice`);
      inside.set(pid, slot);
    } else {
      inside.delete(pid);
    }
    assert.ok(inside.size <= 2, `${inside.size} inside at once`);
    most = Math.max(most, inside.size);
  }
  assert.strictEqual(most, 2);
});

test('slots are plain flock(2) locks on path.0 .. path.N-1: flock(1) takes part', { skip: process.platform !== 'linux' && 'flock(1) is util-linux, Linux only' }, async (t) => {
  const f = tempFile(t);
  const base = path.join(f.dir, 'build.lock');
  const flockHolds = (i) => {
    const child = spawn('flock', [`${base}.${i}`, '-c', 'echo held; read line']);
    t.after(() => child.kill());
    return new Promise((resolve) => child.stdout.once('data', () => resolve(child)));
  };
  const zero = await flockHolds(0);
  const two = await flockHolds(2);
  const slot = Semaphore.tryAcquireSync(base, { slots: 3 });
  assert.deepStrictEqual([slot.index, slot.path], [1, `${base}.1`]);
  assert.strictEqual(await Semaphore.tryAcquire(base, { slots: 3 }), null);
  const r = await run('flock', ['-n', `${base}.1`, 'true']);
  assert.strictEqual(r.code, 1, 'flock(1) sees the slot taken');
  // Every slot taken: a waiter waits in the kernel on all three at once, and takes the one flock(1) gives back.
  const waiting = Semaphore.acquire(base, { slots: 3, timeout: 60_000 });
  await until(() => blockedOn(base, 3) === 3);
  two.stdin.end('\n');
  assert.strictEqual((await waiting).index, 2);
  slot.release();
  zero.stdin.end('\n');
});

test('the first slot to come free is taken, FIFO within a process, with one kernel wait per slot however many waiters', async (t) => {
  const f = tempFile(t);
  const base = path.join(f.dir, 'pool.lock');
  const h = await slotHolder(t, base, 4);
  for (let i = 0; i < 4; i++) await h.hold(i);
  const linux = process.platform === 'linux';
  const threads = () => Number(/^Threads:\s+(\d+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]);
  const before = linux ? threads() : 0;
  const order = [];
  const waiters = Array.from({ length: 100 }, (_, n) => Semaphore.acquire(base, { slots: 4 }).then((slot) => (order.push(n), slot)));
  if (linux) {
    await until(() => blockedOn(base, 4) === 4);
    assert.ok(threads() - before <= 4 + 2, `${threads() - before} more threads for 100 waiters on 4 slots`);
  }
  await h.drop(2);
  const first = await waiters[0];
  assert.strictEqual(first.index, 2);
  first.release(); // the next waiter takes slot 2 at once
  const second = await waiters[1];
  assert.strictEqual(second.index, 2);
  await h.drop(0);
  assert.strictEqual((await waiters[2]).index, 0);
  assert.deepStrictEqual(order, [0, 1, 2]);
  second.release();
  (await waiters[2]).release();
  for (const i of [1, 3]) await h.drop(i);
  for (const w of waiters.slice(3)) (await w).release();
  assert.deepStrictEqual(order, Array.from({ length: 100 }, (_, n) => n));
});

test('acquireSync waits for the first slot another process gives back', async (t) => {
  const f = tempFile(t);
  const base = path.join(f.dir, 'sync.lock');
  const h = await slotHolder(t, base, 3);
  for (let i = 0; i < 3; i++) await h.hold(i);
  const dropped = h.drop(1, 100); // from a timer in the holder: this thread is blocked meanwhile
  const slot = Semaphore.acquireSync(base, { slots: 3, timeout: 60_000 });
  await dropped;
  assert.strictEqual(slot.index, 1);
  assert.strictEqual(await h.free(1), false);
  slot.release();
  assert.strictEqual(await h.free(1), true);
  await h.hold(1);
  assert.throws(() => Semaphore.acquireSync(base, { slots: 3, timeout: 50 }), { code: 'ETIMEDOUT' });
  assert.throws(() => Semaphore.acquireSync(base, { slots: 3, timeout: 0 }), { code: 'ETIMEDOUT' });
});

test('after a timeout or an abort nothing is held, even when a slot was granted as the wait ended', async (t) => {
  const f = tempFile(t);
  const base = path.join(f.dir, 'race.lock');
  const h = await slotHolder(t, base, 2);
  const outcomes = new Set();
  for (let round = 0; round < 30; round++) {
    await h.hold(0);
    await h.hold(1);
    const ms = 5 + (round % 10);
    const dropped = h.drop(round % 2, ms); // lands around the deadline
    const controller = new AbortController();
    if (round % 3 === 2) setTimeout(() => controller.abort(), ms);
    const options = round % 3 === 2 ? { slots: 2, signal: controller.signal } : { slots: 2, timeout: ms };
    let slot = null;
    try {
      slot = round % 3 === 1 ? Semaphore.acquireSync(base, options) : await Semaphore.acquire(base, options);
      outcomes.add('granted');
    } catch (err) {
      assert.ok(['ETIMEDOUT', 'ABORT_ERR'].includes(err.code), err.stack);
      outcomes.add(err.code);
    }
    await dropped;
    slot?.release();
    await h.drop(1 - (round % 2));
    for (const i of [0, 1]) assert.strictEqual(await h.free(i), true, `round ${round}: slot ${i} left held`);
  }
  assert.ok(outcomes.has('granted') && outcomes.size > 1, `outcomes: ${[...outcomes]}`);
});

test('Slot objects, withSemaphore, EDEADLK and bad input', async (t) => {
  const f = tempFile(t);
  const base = path.join(f.dir, 'api.lock');
  const slot = Semaphore.acquireSync(base, { slots: 1 });
  assert.ok(slot instanceof Slot);
  assert.deepStrictEqual([slot.index, slot.path, slot.held], [0, `${base}.0`, true]);
  assert.throws(() => Semaphore.acquireSync(base, { slots: 1 }), { code: 'EDEADLK' });
  assert.strictEqual(Semaphore.tryAcquireSync(base, { slots: 1 }), null);
  slot[Symbol.dispose]();
  assert.strictEqual(slot.held, false);
  const again = Semaphore.tryAcquireSync(base, { slots: 1 });
  assert.strictEqual(again.held, true);
  again.release();
  again.release();
  assert.strictEqual(again.held, false);
  assert.strictEqual(await withSemaphore(base, (slot) => slot.index + 40, { slots: 1 }), 40);
  await assert.rejects(withSemaphore(base, () => { throw new Error('boom'); }, { slots: 1 }), /boom/);
  assert.strictEqual(Semaphore.tryAcquireSync(base, { slots: 1 }).held, true, 'withSemaphore gave its slot back');
  for (const [options, code] of [[undefined, 'ERR_INVALID_ARG_TYPE'], [{}, 'ERR_INVALID_ARG_TYPE'], [{ slots: '2' }, 'ERR_INVALID_ARG_TYPE'],
    [{ slots: 0 }, 'ERR_OUT_OF_RANGE'], [{ slots: 1.5 }, 'ERR_OUT_OF_RANGE'], [{ slots: MAX_SLOTS + 1 }, 'ERR_OUT_OF_RANGE'],
    [{ slots: NaN }, 'ERR_OUT_OF_RANGE'], [{ slots: 2, timeout: -1 }, 'ERR_OUT_OF_RANGE'], [{ slots: 2, bogus: 1 }, 'ERR_INVALID_ARG_VALUE']]) {
    // tryAcquire takes no timeout: that option is an unknown one there
    assert.throws(() => Semaphore.tryAcquireSync(base, options), { code: options?.timeout === undefined ? code : 'ERR_INVALID_ARG_VALUE' });
    await assert.rejects(Semaphore.acquire(base, options), { code });
    assert.throws(() => Semaphore.acquireSync(base, options), { code });
  }
  assert.throws(() => Semaphore.tryAcquireSync(42, { slots: 1 }), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(withSemaphore(base, 'fn', { slots: 1 }), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(Semaphore.acquire(base, { slots: 1, signal: AbortSignal.abort() }), { name: 'AbortError' });
  assert.strictEqual(MAX_SLOTS, 64);
});
