// Helpers for the Jest tests: a fresh temp file per test and fds that are always closed afterwards.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/** Waits `ms` milliseconds (long enough for a contended flock() to be parked in the kernel). */
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A temp file and the fds opened on it. `open()` opens one more fd on the file; `cleanup()` (call it in
 * afterEach) closes every fd still open and removes the directory.
 */
function tempLockFile() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-flock-jest-'));
  const file = path.join(dir, 'file.lock');
  fs.writeFileSync(file, '');
  const fds = [];
  return {
    file,
    open() {
      const fd = fs.openSync(file, 'r+');
      fds.push(fd);
      return fd;
    },
    close(fd) {
      const at = fds.indexOf(fd);
      if (at >= 0) fds.splice(at, 1);
      fs.closeSync(fd);
    },
    cleanup() {
      for (const fd of fds.splice(0)) {
        try {
          fs.closeSync(fd);
        } catch {
          // already closed by the test
        }
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Records whether a promise has settled, without changing its outcome. */
function track(promise) {
  const state = { settled: false };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

module.exports = { delay, tempLockFile, track };
