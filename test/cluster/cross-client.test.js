// Across machines: fs-flock through two clients of MooseFS and of GlusterFS (scripts/cluster.sh; client B in a
// network namespace of its own). Run by `npm run test:cluster`, which sets FS_FLOCK_CLUSTER to the clusters' state
// directory: a/ and b/ are the two mounts of the MooseFS volume, ga/ and gb/ those of the GlusterFS one. Paths
// A(x) and B(x) name the same file through each client. Figures (hand-off latency, counter totals, creation races
// survived) are printed as test diagnostics.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { once } = require('node:events');
const { holder, run } = require('../helpers');
const { ExclusiveLock, SharedLock, holders, lockReach, tryLock } = require('../..');

const state = process.env.FS_FLOCK_CLUSTER;
const skip = !state && 'FS_FLOCK_CLUSTER is not set: run `npm run test:cluster`, which starts the cluster';
const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');
const BACKENDS = [
  { name: 'MooseFS', a: 'a', b: 'b', filesystem: 'fuse.mfs' },
  { name: 'GlusterFS', a: 'ga', b: 'gb', filesystem: 'fuse.glusterfs' },
];
let dirs = 0;

/** A fresh directory on the backend's volume, as client A and client B see it. */
function volume(backend) {
  const name = `t${process.pid}-${++dirs}`;
  fs.mkdirSync(path.join(state, backend.a, name));
  return { A: (f) => path.join(state, backend.a, name, f), B: (f) => path.join(state, backend.b, name, f) };
}

/** A holder process (test/fixtures/holder.js) with `file` open: lock(op), unlock(after?), and its process. */
async function holding(t, file) {
  const h = await holder(t);
  const { fd } = await h.send({ open: true, path: file, flags: 'a+' });
  return {
    child: h.child,
    lock: async (op = 'ex') => assert.strictEqual((await h.send({ lock: true, fd, op })).granted, true),
    unlock: (after) => h.send({ unlock: true, fd, after }),
  };
}

/** Whether a fresh open of `file` (through whichever client its path names) could lock it now. */
function free(file, shared = false) {
  const fd = fs.openSync(file, 'r+');
  try {
    return tryLock(fd, { shared });
  } finally {
    fs.closeSync(fd);
  }
}

const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const us = (ns) => `${(ns / 1000).toFixed(0)} µs`;

for (const backend of BACKENDS) {
  test(`${backend.name}: exclusion in both directions: fs-flock on one client against fs-flock and flock(1) on the other`, { skip }, async (t) => {
    const v = volume(backend);
    fs.writeFileSync(v.A('x.lock'), '');
    for (const [hold, probe] of [[v.A, v.B], [v.B, v.A]]) {
      const h = await holding(t, hold('x.lock'));
      await h.lock('ex');
      assert.strictEqual(free(probe('x.lock'), true), false, 'fs-flock, shared, on the other client');
      assert.strictEqual(await ExclusiveLock.tryAcquire(probe('x.lock')), null);
      assert.strictEqual((await run('flock', ['-n', probe('x.lock'), 'true'])).code, 1, 'flock(1) on the other client');
      assert.strictEqual((await run(process.execPath, [CLI, '-n', probe('x.lock'), 'true'])).code, 1, 'the fs-flock command');
      await h.unlock();
      assert.strictEqual(free(probe('x.lock')), true);
      await h.lock('sh');
      assert.strictEqual(free(probe('x.lock'), true), true, 'shared with shared');
      assert.strictEqual(free(probe('x.lock')), false, 'exclusive against shared');
      await h.unlock();
    }
  });

  test(`${backend.name}: async and sync waits on B are woken by a release on A (and the hand-off latency)`, { skip }, async (t) => {
    const v = volume(backend);
    const h = await holding(t, v.A('w.lock'));
    const xs = [];
    for (let i = 0; i < 40; i++) {
      await h.lock();
      const granted = ExclusiveLock.acquire(v.B('w.lock'), { timeout: 30_000 }).then((lock) => [process.hrtime.bigint(), lock]);
      const { at } = await h.unlock(2 + (i % 3)); // a few ms later, from a timer in the holder
      const [t1, lock] = await granted;
      xs.push(Number(t1 - BigInt(at)));
      lock.release();
    }
    await h.lock();
    const dropped = h.unlock(100);
    const sync = ExclusiveLock.acquireSync(v.B('w.lock'), { timeout: 30_000 }); // this thread blocks meanwhile
    await dropped;
    sync.release();
    t.diagnostic(`${backend.name} hand-off A -> B, async: p50 ${us(percentile(xs, 50))}, p99 ${us(percentile(xs, 99))}, max ${us(percentile(xs, 100))} over ${xs.length}`);
  });

  test(`${backend.name}: a counter incremented from both clients ends exact, plain and with removeOnRelease; fresh files created at once from both clients`, { skip }, async (t) => {
    const fixture = path.join(__dirname, '..', 'fixtures', 'cluster-counter.js');
    for (const remove of ['0', '1']) {
      const v = volume(backend);
      fs.writeFileSync(v.A('counter'), '0');
      fs.mkdirSync(v.A('fresh'));
      const rounds = 300;
      const both = await Promise.all([v.A, v.B].map((side) => run(process.execPath, [fixture, side('c.lock'), side('counter'), String(rounds), remove, side('fresh')])));
      for (const r of both) assert.deepStrictEqual([r.code, r.stderr, JSON.parse(r.stdout)], [0, '', { errors: {} }]);
      assert.strictEqual(fs.readFileSync(v.B('counter'), 'utf8'), String(2 * rounds));
      t.diagnostic(`${backend.name}, removeOnRelease ${remove === '1'}: counter ${2 * rounds} of ${2 * rounds}; ${rounds} fresh lock files, each created from both clients at once, 0 errors`);
    }
  });

  test(`${backend.name}: timeout and abort on B while A holds leave nothing held, and name no holder they cannot see`, { skip }, async (t) => {
    const v = volume(backend);
    const h = await holding(t, v.A('t.lock'));
    await h.lock();
    const err = await ExclusiveLock.acquire(v.B('t.lock'), { timeout: 200 }).catch((e) => e);
    assert.strictEqual(err.code, 'ETIMEDOUT');
    assert.strictEqual(err.holders, undefined, 'no "nobody" from a kernel table that cannot see the other client');
    assert.strictEqual(holders(v.B('t.lock')), null);
    assert.strictEqual(holders(v.A('t.lock')), null);
    await assert.rejects(SharedLock.acquire(v.B('t.lock'), { signal: AbortSignal.timeout(100) }), { name: 'AbortError' });
    assert.throws(() => ExclusiveLock.acquireSync(v.B('t.lock'), { timeout: 100 }), { code: 'ETIMEDOUT' });
    await h.unlock();
    assert.strictEqual(free(v.A('t.lock')), true, 'nothing left held by the cancelled waits on B');
  });

  test(`${backend.name}: a SIGKILLed holder on A frees the waiter on B`, { skip }, async (t) => {
    const v = volume(backend);
    const h = await holding(t, v.A('k.lock'));
    await h.lock();
    const waiting = ExclusiveLock.acquire(v.B('k.lock'), { timeout: 30_000 });
    h.child.kill('SIGKILL');
    await once(h.child, 'exit');
    (await waiting).release();
  });

  test(`${backend.name}: the fs-flock command across clients; lockReach`, { skip }, async (t) => {
    const v = volume(backend);
    const child = spawn(process.execPath, [CLI, v.A('cli.lock'), '-c', 'echo held; read line']);
    t.after(() => child.kill());
    await new Promise((resolve) => child.stdout.once('data', resolve));
    assert.strictEqual((await run(process.execPath, [CLI, '-n', '-E', '9', v.B('cli.lock'), 'true'])).code, 9);
    assert.strictEqual((await run('flock', ['-n', v.B('cli.lock'), 'true'])).code, 1);
    child.stdin.end('\n');
    await once(child, 'exit');
    assert.strictEqual((await run(process.execPath, [CLI, '-n', v.B('cli.lock'), 'true'])).code, 0);
    const verbose = await run(process.execPath, [CLI, '--verbose', v.B('cli.lock'), 'true']);
    assert.ok(verbose.stdout.includes(`is on ${backend.filesystem}: its locks reach every machine that mounts it`), verbose.stdout);
    assert.deepStrictEqual(lockReach(v.A('cli.lock')), { reach: 'network', filesystem: backend.filesystem });
    assert.deepStrictEqual(lockReach(v.B('cli.lock')), { reach: 'network', filesystem: backend.filesystem });
  });
}

test('lockReach on local disks, tmpfs and a FUSE filesystem fs-flock does not know', { skip }, () => {
  assert.deepStrictEqual(lockReach(os.tmpdir()).reach, 'machine');
  assert.deepStrictEqual(lockReach('/dev/shm'), { reach: 'machine', filesystem: 'tmpfs' });
  const unknown = path.join(state, 'bindfs');
  assert.deepStrictEqual(lockReach(unknown), { reach: 'unknown', filesystem: 'fuse' }, 'bindfs, a FUSE filesystem fs-flock does not know');
  assert.strictEqual(holders(unknown), null);
});
