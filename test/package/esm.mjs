// A consumer's ESM: named imports from the installed tarball, and no default export (there is none to honour).
import assert from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ns from 'fs-flock';
import { ExclusiveLock, flock, flockSync, LOCK_EX, tryLock, unlock, withLock } from 'fs-flock';

assert.strictEqual('default' in ns, false);
const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fs-flock-esm-')), 'lock');
fs.writeFileSync(file, '');
const a = fs.openSync(file, 'r+');
const b = fs.openSync(file, 'r+');
flockSync(a, LOCK_EX);
assert.strictEqual(tryLock(b), false);
const waiting = flock(b, 'ex');
unlock(a);
await waiting;
unlock(b);
await assert.rejects(() => {
  flockSync(a, 'ex');
  return flock(b, 'ex', { timeout: 20 });
}, { code: 'ETIMEDOUT' });
unlock(a);
assert.strictEqual(await withLock(file, (lock) => lock instanceof ExclusiveLock), true);
assert.throws(() => new ExclusiveLock(), { code: 'ERR_ILLEGAL_CONSTRUCTOR' });
console.log('esm ok');
