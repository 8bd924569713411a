// The implementations under test, each behind one interface so every scenario treats them alike:
//
//   name, notes           label, and how a blocked wait is implemented (load() adds id, the file name)
//   open(file) -> h       h is an fd for fd-based locks, or the path for path-based ones; close(h) undoes it
//   lock(h, {signal?, timeout?}) -> Promise     exclusive, waits until granted (or cancelled)
//   unlock(h) -> Promise | void                 the library's own asynchronous release
//   lockSync?(h), unlockSync?(h)                when the library can block synchronously
//   cancel: [] | ['signal', 'timeout']          which cancellations lock() honours
//   perProcess?: true                           locks never exclude each other inside one process (fcntl)
//   floor?: true                                a lower bound, not a peer: floor.js, which is not in NAMES;
//                                               run.js adds it to scenarios 1, 2 and 4 whatever BENCH_ADAPTERS says
//
// An adapter that cannot load (a native addon that failed to build) is reported as skipped, with the reason.
'use strict';

const NAMES = ['fs-flock', 'fs-ext', 'fs-native-extensions', 'os-lock', 'proper-lockfile', 'proper-lockfile-r10', 'lockfile'];

function load(name) {
  try {
    return { id: name, ...require(`./${name}`) };
  } catch (err) {
    return { id: name, name, skipped: `cannot load: ${err.message.split('\n')[0]}` };
  }
}

module.exports = { NAMES, load };
