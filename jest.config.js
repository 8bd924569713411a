// Jest runs test/jest/ (the node:test suite in test/ is `node --test`). `npm test` runs it as
// `jest --runInBand --ci`: every file in one process, so the native addon is loaded once and cached while the
// package's JavaScript is evaluated again for each test file (and after each jest.resetModules()).
'use strict';

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/jest'],
  testMatch: ['<rootDir>/test/jest/**/*.test.js'],
  testTimeout: 20000,
  // The package is loaded from dist/ (compiled by `tsc -p .`), never transformed.
  transform: {},
};
