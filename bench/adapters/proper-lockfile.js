// proper-lockfile tuned to its fastest retry: mkdir(<path>.lock) retried every 1 ms, forever.
'use strict';
const { pathAdapter } = require('./proper-lockfile-common');

module.exports = pathAdapter('proper-lockfile', 'mkdir lock dir, retried every 1 ms (fastest retry)', {
  forever: true, retries: 1, factor: 1, minTimeout: 1, maxTimeout: 1,
});
