// lockfile (npm's): open(<path>.lock, O_EXCL); a contended lock polls every `pollPeriod` ms (1, the fastest)
// until `wait` ms have passed, which is its only cancellation: a timeout.
'use strict';
const { promisify } = require('node:util');
const lockfile = require('lockfile');

const lock = promisify(lockfile.lock);
const unlock = promisify(lockfile.unlock);
const FOREVER = 2 ** 31 - 1;

module.exports = {
  name: 'lockfile',
  notes: 'open(O_EXCL) lock file, polled every 1 ms',
  cancel: ['timeout'],
  open: (file) => `${file}.lock`,
  close: () => {},
  lock: (path, options = {}) => lock(path, { wait: options.timeout ?? FOREVER, pollPeriod: 1 }),
  unlock: (path) => unlock(path),
  lockSync: (path) => lockfile.lockSync(path),
  unlockSync: (path) => lockfile.unlockSync(path),
};
