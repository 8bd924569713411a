// proper-lockfile with the common `{ retries: 10 }` setting: retry's defaults, 1 s then doubling backoff.
'use strict';
const { pathAdapter } = require('./proper-lockfile-common');

module.exports = pathAdapter('proper-lockfile {retries:10}', 'mkdir lock dir, retries 1 s, 2 s, 4 s, ...', 10);
