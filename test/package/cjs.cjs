// A consumer's CommonJS: require() of the installed tarball, a contended wait, an abort, a lock object.
'use strict';
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { flock, flockSync, SharedLock, tryLock, unlock } = require('fs-flock');

(async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fs-flock-cjs-')), 'lock');
  fs.writeFileSync(file, '');
  const a = fs.openSync(file, 'r+');
  const b = fs.openSync(file, 'r+');
  flockSync(a, 'ex');
  const ac = new AbortController();
  const aborted = assert.rejects(flock(b, 'sh', { signal: ac.signal }), { name: 'AbortError' });
  ac.abort();
  await aborted;
  unlock(a);
  const lock = await SharedLock.acquire(file);
  assert.strictEqual(tryLock(b, { shared: true }), true);
  lock.release();
  console.log('cjs ok');
})();
