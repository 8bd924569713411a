// fs-flock (this package): flock(2) on an fd; a contended async wait parks one dedicated thread per file.
'use strict';
const fs = require('node:fs');
const { flock, flockSync, LOCK_EX, LOCK_UN } = require('../..');

module.exports = {
  name: 'fs-flock',
  notes: 'flock(2); async waits on a pooled native thread, one per contended file',
  cancel: ['signal', 'timeout'],
  open: (file) => fs.openSync(file, 'r+'),
  close: (fd) => fs.closeSync(fd),
  lock: (fd, options) => flock(fd, LOCK_EX, options),
  unlock: (fd) => flock(fd, LOCK_UN),
  lockSync: (fd) => flockSync(fd, LOCK_EX),
  unlockSync: (fd) => flockSync(fd, LOCK_UN),
};
