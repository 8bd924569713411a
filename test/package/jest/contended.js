// The body of the three consumer Jest files: they load the installed package in one Jest process (--runInBand).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ExclusiveLock, flock, flockSync, unlock } = require('fs-flock');

module.exports = (n) => test(`file ${n}: a contended wait is granted when the holder releases`, async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fs-flock-jest-')), 'lock');
  fs.writeFileSync(file, '');
  const a = fs.openSync(file, 'r+');
  const b = fs.openSync(file, 'r+');
  flockSync(a, 'ex');
  const waiting = flock(b, 'ex');
  unlock(a);
  await waiting;
  await expect(ExclusiveLock.acquire(file, { timeout: 20 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  fs.closeSync(a);
  fs.closeSync(b);
});
