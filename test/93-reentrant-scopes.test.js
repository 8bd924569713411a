// Reentrant withLock scopes: inside the async call chain of a scope that holds a file, withLock and the acquire
// family on the same file join the scope; everyone else waits as before; the file stays locked until the last
// part has ended. Another process (the holder fixture) is the witness of what the kernel holds.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { Worker } = require('node:worker_threads');
const { isWindows, tempFile, holder } = require('./helpers');
const { withLock, ExclusiveLock, SharedLock } = require('..');

/** A process that reports whether it could lock the file right now (exclusively, or shared). */
async function witness(t, file) {
  const h = await holder(t);
  const { fd } = await h.send({ open: true, path: file });
  return async (shared = false) => {
    const { granted } = await h.send({ try: true, fd, shared });
    if (granted) await h.send({ unlock: true, fd });
    return granted;
  };
}

function deferred() {
  let resolve;
  const promise = new Promise((r) => (resolve = r));
  return { promise, resolve };
}

test('a withLock inside a withLock of the same file joins it, however the file is named', async (t) => {
  const f = tempFile(t);
  const link = path.join(f.dir, 'link.lock');
  if (!isWindows) fs.symlinkSync(f.path, link);
  const handle = await fs.promises.open(f.path, 'r+');
  t.after(() => handle.close());
  const names = [f.path, pathToFileURL(f.path), Buffer.from(f.path), path.relative(process.cwd(), f.path), handle, ...(isWindows ? [] : [link])];
  for (const name of names) {
    const seen = await withLock(f.path, async (outer) => {
      // Without joining, this would wait for the outer lock: the timeout turns a hang into a failure.
      return withLock(name, async (inner) => [inner.fd, outer.fd, inner.held], { timeout: 2000 });
    });
    assert.deepStrictEqual(seen.slice(1), [seen[0], true], `joined through ${typeof name === 'object' ? name.constructor.name : name}`);
  }
});

test('modes: exclusive takes exclusive and shared parts; shared takes shared ones and refuses exclusive with EDEADLK', async (t) => {
  const f = tempFile(t);
  const modes = await withLock(f.path, async () => [
    await withLock(f.path, async (l) => l.shared, { timeout: 2000 }),
    await withLock(f.path, async (l) => l.shared, { shared: true, timeout: 2000 }),
  ]);
  assert.deepStrictEqual(modes, [false, true]);
  await withLock(f.path, async () => {
    assert.strictEqual(await withLock(f.path, async (l) => l.shared, { shared: true, timeout: 2000 }), true);
    const started = Date.now();
    await assert.rejects(withLock(f.path, async () => {}, { timeout: 60_000 }), { code: 'EDEADLK' });
    assert.throws(() => ExclusiveLock.acquireSync(f.path), { code: 'EDEADLK' });
    await assert.rejects(ExclusiveLock.acquire(f.path), { code: 'EDEADLK' });
    assert.ok(Date.now() - started < 30_000, 'EDEADLK comes at once, not after a wait');
  }, { shared: true });
});

test('acquire, acquireSync, tryAcquire and tryAcquireSync inside a scope return parts: releasing one keeps the file locked', async (t) => {
  const f = tempFile(t);
  const free = await witness(t, f.path);
  await withLock(f.path, async (outer) => {
    const parts = [
      await ExclusiveLock.acquire(f.path, { timeout: 2000 }),
      ExclusiveLock.acquireSync(f.path, { timeout: 2000 }),
      await SharedLock.tryAcquire(f.path),
      SharedLock.tryAcquireSync(f.path),
    ];
    for (const part of parts) {
      assert.strictEqual(part.fd, outer.fd, 'no second open');
      assert.strictEqual(part.held, true);
      part.release();
      assert.strictEqual(part.held, false);
      part.release(); // idempotent
    }
    assert.strictEqual(await free(true), false, 'still locked after every part released');
    assert.throws(() => parts[0].downgrade(), { code: 'ERR_INVALID_STATE' }); // released
    const another = ExclusiveLock.acquireSync(f.path);
    assert.throws(() => another.downgrade(), { code: 'ERR_INVALID_STATE' });
    assert.throws(() => outer.downgrade(), { code: 'ERR_INVALID_STATE' });
    another.release();
  });
  assert.strictEqual(await free(), true, 'unlocked when the scope ended');
});

test('an inner part that outlives the outer scope keeps the file locked (and open) until it ends', async (t) => {
  const f = tempFile(t);
  const free = await witness(t, f.path);
  const gate = deferred();
  let inner;
  let outerFd;
  await withLock(f.path, async (outer) => {
    outerFd = outer.fd;
    inner = withLock(f.path, async () => {
      await gate.promise;
      return 'inner done';
    });
  });
  assert.strictEqual(await free(true), false, 'held by the running inner part');
  fs.fstatSync(outerFd); // the scope's file is still open
  gate.resolve();
  assert.strictEqual(await inner, 'inner done');
  assert.strictEqual(await free(), true);
  // The number may have been reused since; what matters is that the scope's open of the file is gone.
  let stillOpen;
  try {
    stillOpen = fs.fstatSync(outerFd).ino === fs.statSync(f.path).ino;
  } catch {
    stillOpen = false;
  }
  assert.strictEqual(stillOpen, false);
});

test('removeOnRelease removes the file only when the last part ends', async (t) => {
  const f = tempFile(t, 'removed.lock');
  const gate = deferred();
  let inner;
  await withLock(f.path, async () => {
    inner = ExclusiveLock.acquire(f.path).then(async (part) => {
      await gate.promise;
      part.release();
    });
  }, { removeOnRelease: true });
  assert.strictEqual(fs.existsSync(f.path), true);
  gate.resolve();
  await inner;
  assert.strictEqual(fs.existsSync(f.path), false);
});

test('callers outside the chain wait their turn: concurrent calls, timers set before the scope, workers, other processes', async (t) => {
  const f = tempFile(t);
  const free = await witness(t, f.path);
  const order = [];
  const gate = deferred();
  const entered = deferred();
  const early = deferred();
  setTimeout(() => early.resolve(withLock(f.path, async () => order.push('timer'))), 0); // before the scope
  const scope = withLock(f.path, async () => {
    order.push('scope');
    entered.resolve();
    await gate.promise;
    order.push('scope end');
  });
  await entered.promise;
  const concurrent = withLock(f.path, async () => order.push('concurrent'));
  const worker = new Worker(`
    const { parentPort, workerData } = require('node:worker_threads');
    const { withLock } = require(workerData.pkg);
    withLock(workerData.file, () => 'worker', { timeout: 200 }).then((r) => parentPort.postMessage(r), (e) => parentPort.postMessage(e.code));
  `, { eval: true, workerData: { pkg: path.join(__dirname, '..'), file: f.path } });
  const [fromWorker] = await new Promise((resolve) => worker.once('message', (m) => resolve([m])));
  assert.strictEqual(fromWorker, 'ETIMEDOUT');
  assert.strictEqual(await free(true), false);
  gate.resolve();
  await Promise.all([scope, concurrent, await early.promise]);
  assert.deepStrictEqual(order.slice(0, 2), ['scope', 'scope end']);
  assert.deepStrictEqual(order.slice(2).sort(), ['concurrent', 'timer']);
});

test('a chain that began in a scope but runs on after every part ended waits for a lock of its own', async (t) => {
  const f = tempFile(t);
  const free = await witness(t, f.path);
  const gate = deferred();
  const held = deferred();
  const release = deferred();
  let later;
  await withLock(f.path, async () => {
    later = (async () => {
      await gate.promise; // resumes in the scope's async context, after the scope has ended
      return withLock(f.path, async (lock) => {
        held.resolve(lock);
        await release.promise;
      }, { timeout: 5000 });
    })();
  });
  gate.resolve();
  await held.promise;
  assert.strictEqual(await free(true), false, 'it holds a kernel lock of its own');
  release.resolve();
  await later;
  assert.strictEqual(await free(), true, 'and its release unlocked the file');
});

test('reentrant: false waits as before, and bad values are refused', async (t) => {
  const f = tempFile(t);
  await withLock(f.path, async () => {
    await assert.rejects(withLock(f.path, async () => {}, { reentrant: false, timeout: 50 }), { code: 'ETIMEDOUT' });
  });
  await assert.rejects(withLock(f.path, async () => {}, { reentrant: 'yes' }), { code: 'ERR_INVALID_ARG_TYPE' });
  // An aborted signal is refused even where the call would join.
  await withLock(f.path, async () => {
    await assert.rejects(withLock(f.path, async () => {}, { signal: AbortSignal.abort() }), { name: 'AbortError' });
  });
});
