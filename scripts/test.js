// `npm test`: lint, type-check, the node:test suite, then Jest. It runs on every Node the package supports
// (18+): where a step's tool needs a newer Node (ESLint 10: 20.19), that step says it is skipped and why.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const [major, minor] = process.versions.node.split('.').map(Number);
const atLeast = (M, m) => major > M || (major === M && minor >= m);
const bin = (name) => path.join('node_modules', '.bin', name); // each one a JavaScript file, run by this Node
const files = (dir) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort().map((f) => `${dir}/${f}`) : []);

function step(name, cmd, args) {
  process.stderr.write(`test: ${name}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`test: ${name} failed (${r.status ?? r.signal})\n`);
    process.exit(r.status || 1);
  }
}

if (atLeast(20, 19)) {
  step('eslint', process.execPath, [bin('eslint'), '.']);
  step('clang-format', process.execPath, [bin('clang-format'), '--dry-run', '--Werror', ...fs.readdirSync('native').map((f) => `native/${f}`)]);
} else {
  process.stderr.write(`test: lint skipped on Node ${process.version} (ESLint 10 needs Node 20.19 or later)\n`);
}
step('tsc', process.execPath, [bin('tsc'), '-p', '.']);
step('tsc test/ts', process.execPath, [bin('tsc'), '-p', 'test/ts']);
// --test-timeout (Node 20.11+) only catches a hang; Node 18 runs without it.
const timeout = atLeast(20, 11) ? ['--test-timeout=120000'] : [];
step('node --test', process.execPath, ['--test', ...timeout, ...files('test'), ...files('test/build')]);
step('jest', process.execPath, [bin('jest'), '--runInBand', '--ci']);
