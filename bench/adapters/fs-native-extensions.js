// fs-native-extensions: on Linux, open-file-description (OFD) fcntl locks, which do not interact with
// flock(2); every async wait, contended or not, starts a thread of its own. unlock() is synchronous only.
'use strict';
const fs = require('node:fs');
const fne = require('fs-native-extensions');

module.exports = {
  name: 'fs-native-extensions',
  notes: 'fcntl F_OFD_SETLKW; a new thread for every async wait',
  cancel: [],
  open: (file) => fs.openSync(file, 'r+'),
  close: (fd) => fs.closeSync(fd),
  lock: (fd) => fne.waitForLock(fd),
  unlock: (fd) => fne.unlock(fd),
  lockSync: (fd) => fne.waitForLockSync(fd),
  unlockSync: (fd) => fne.unlock(fd),
};
