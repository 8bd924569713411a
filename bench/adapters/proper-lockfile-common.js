// The proper-lockfile adapter, parameterised by its `retries` option: the lock is mkdir(<path>.lock), a
// contended lock polls on timers, release is rmdir. No cancellation.
'use strict';
const lockfile = require('proper-lockfile');

function pathAdapter(name, notes, retries) {
  const releases = new Map();
  return {
    name,
    notes,
    cancel: [],
    open: (file) => file,
    close: () => {},
    lock: async (file) => {
      releases.set(file, await lockfile.lock(file, { retries }));
    },
    unlock: (file) => {
      const release = releases.get(file);
      releases.delete(file);
      return release();
    },
    lockSync: (file) => lockfile.lockSync(file),
    unlockSync: (file) => lockfile.unlockSync(file),
  };
}

module.exports = { pathAdapter };
