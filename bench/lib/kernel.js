// The kernel limit: compiles bench/c/*.c with cc into a temporary directory at bench time (no committed
// binaries) and runs them, each printing one JSON line.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const SOURCES = path.join(__dirname, '..', 'c');

/** Compiles every program into `dir`; returns run(program, ...args) -> parsed JSON, or throws with cc's output. */
function buildKernel(dir) {
  for (const file of fs.readdirSync(SOURCES).filter((f) => f.endsWith('.c'))) {
    const out = path.join(dir, path.basename(file, '.c'));
    execFileSync('cc', ['-O2', '-Wall', '-o', out, path.join(SOURCES, file)], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  return (program, ...args) =>
    JSON.parse(execFileSync(path.join(dir, program), args.map(String), { encoding: 'utf8', timeout: 120000 }));
}

module.exports = { buildKernel };
