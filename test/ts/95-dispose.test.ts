// Explicit resource management from TypeScript: `using` and `await using` release the lock at scope exit,
// and the published types compile under strict settings.
import test from 'node:test';
import assert from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExclusiveLock, SharedLock, flock, holders, type FlockError, type LockTarget } from 'fs-flock';

const dirs: string[] = [];
test.after(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function tempLock(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-flock-ts-'));
  dirs.push(dir);
  return path.join(dir, 'ts.lock');
}

test('`using` releases a lock taken with acquireSync at the end of the block', () => {
  const file = tempLock();
  {
    using lock = ExclusiveLock.acquireSync(file);
    assert.strictEqual(lock.held, true);
    assert.strictEqual(ExclusiveLock.tryAcquireSync(file), null);
  }
  using again = ExclusiveLock.tryAcquireSync(file);
  assert.ok(again, 'released by `using`');
});

test('`await using` releases a lock taken with acquire, even when the block throws', async () => {
  const file = tempLock();
  const target: LockTarget = file;
  await assert.rejects(async () => {
    await using lock = await SharedLock.acquire(target, { timeout: 1000 });
    assert.strictEqual(lock.shared, true);
    throw new Error('inside');
  }, /inside/);
  const fd = fs.openSync(file, 'r+');
  await flock(fd, 'exnb');
  fs.closeSync(fd);
  const who = holders(file);
  assert.ok(who === null || Array.isArray(who));
});

test('system errors are typed', () => {
  try {
    ExclusiveLock.acquireSync(98765);
    assert.fail('no error');
  } catch (err) {
    const e = err as FlockError;
    assert.strictEqual(e.code, 'EBADF');
    assert.strictEqual(typeof e.errno, 'number');
  }
});
