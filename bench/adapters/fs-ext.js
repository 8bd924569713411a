// fs-ext: flock(2) on an fd; the async form runs the blocking call on the libuv thread pool.
'use strict';
const fs = require('node:fs');
const { promisify } = require('node:util');
const fsExt = require('fs-ext');

const flockAsync = promisify(fsExt.flock);

module.exports = {
  name: 'fs-ext',
  notes: 'flock(2); async waits occupy a libuv pool thread (uv_queue_work)',
  cancel: [],
  open: (file) => fs.openSync(file, 'r+'),
  close: (fd) => fs.closeSync(fd),
  lock: (fd) => flockAsync(fd, 'ex'),
  unlock: (fd) => flockAsync(fd, 'un'),
  lockSync: (fd) => fsExt.flockSync(fd, 'ex'),
  unlockSync: (fd) => fsExt.flockSync(fd, 'un'),
};
