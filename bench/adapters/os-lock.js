// os-lock: POSIX record locks (fcntl F_SETLKW) through napi async work, i.e. on the libuv pool. Record locks
// belong to the process, so two waiters in one process never exclude each other. Asynchronous only.
'use strict';
const fs = require('node:fs');
const osLock = require('os-lock');

module.exports = {
  name: 'os-lock',
  notes: 'fcntl F_SETLKW (per process); waits occupy a libuv pool thread',
  cancel: [],
  perProcess: true,
  open: (file) => fs.openSync(file, 'r+'),
  close: (fd) => fs.closeSync(fd),
  lock: (fd) => osLock.lock(fd, { exclusive: true }),
  unlock: (fd) => osLock.unlock(fd),
};
