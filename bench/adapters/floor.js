// The floor, not a peer: bench/floor/floor.c, the cheapest Node-API addon doing what fs-flock does, built by
// bench/lib/floor.js; run.js passes its path to every agent in BENCH_FLOOR_ADDON. Like fs-flock's flock(),
// lock() tries LOCK_NB first and only a contended lock waits on a thread, so no thread is in the uncontended path.
'use strict';
const fs = require('node:fs');
const { errno } = require('node:os').constants;

if (!process.env.BENCH_FLOOR_ADDON) throw new Error('BENCH_FLOOR_ADDON is not set (run.js builds the floor)');
const addon = require(process.env.BENCH_FLOOR_ADDON);
const LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8; // <sys/file.h> on Linux

const failed = (r) => new Error(`flock failed: ${-r}`);
const check = (r) => {
  if (r !== 0) throw failed(r);
};

module.exports = {
  name: 'raw Node-API floor',
  notes: 'bench/floor/floor.c: plain Node-API over flock(2), no validation; a contended lock starts a thread that ' +
    'blocks in flock(2) and resolves through a thread-safe function; no cancellation',
  floor: true,
  cancel: [],
  open: (file) => fs.openSync(file, 'r+'),
  close: (fd) => fs.closeSync(fd),
  lock: (fd) => {
    const r = addon.flock(fd, LOCK_EX | LOCK_NB);
    if (r === 0) return Promise.resolve();
    return r === -errno.EWOULDBLOCK ? addon.wait(fd, LOCK_EX) : Promise.reject(failed(r));
  },
  unlock: async (fd) => check(addon.flock(fd, LOCK_UN)),
  // flock(fd, LOCK_EX), as fs-flock's flockSync(fd, LOCK_EX) and the C loop call it
  lockSync: (fd) => check(addon.flock(fd, LOCK_EX)),
  unlockSync: (fd) => check(addon.flock(fd, LOCK_UN)),
};
