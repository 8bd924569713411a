// The Node-API floor: compiles bench/floor/floor.c with cc into a temporary directory at bench time (no
// committed binaries), like kernel.js. napi_* symbols stay undefined in the .node file; Node provides them.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const SOURCE = path.join(__dirname, '..', 'floor', 'floor.c');

/** node-api-headers (a devDependency) if installed, else the headers that ship with this Node. */
function includeDir() {
  const candidates = [path.join(process.execPath, '../../include/node'), '/usr/include/node'];
  try {
    candidates.unshift(require('node-api-headers').include_dir);
  } catch {}
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'node_api.h')));
}

/** Builds floor.node in `dir`: {path}, or {skipped} with the reason (no headers, or cc's output). */
function buildFloor(dir) {
  const include = includeDir();
  if (!include) return { skipped: 'no node_api.h found (node-api-headers, <node>/include/node, /usr/include/node)' };
  const out = path.join(dir, 'floor.node');
  try {
    execFileSync('cc', ['-O2', '-Wall', '-shared', '-fPIC', '-pthread', `-I${include}`, '-o', out, SOURCE], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    return { skipped: `cc failed: ${String(err.stderr || err.message).trim().split('\n')[0]}` };
  }
  return { path: out };
}

module.exports = { buildFloor };
