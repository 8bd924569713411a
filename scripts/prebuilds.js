// The prebuilt addons that `npm pack` ships, and prebuilds/manifest.json, the record of what they were built from
// and where they ran:
//   node scripts/prebuilds.js stamp             after scripts/prebuild.sh: the sources' hash, each binary's hash
//   node scripts/prebuilds.js ran <file> <where>  a test run passed with prebuilds/<file> (npm run test:matrix)
//   node scripts/prebuilds.js check             prepack: every target there, built from these sources, and run
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

const root = path.join(__dirname, '..');
const dir = path.join(root, 'prebuilds');
const manifestPath = path.join(dir, 'manifest.json');
const TARGETS = ['linux-x64/node.napi.glibc.node', 'linux-arm64/node.napi.glibc.node', 'win32-x64/node.napi.node'];
// What a prebuild is made from: the native code and every part of its build recipe.
const SOURCES = ['binding.gyp', 'scripts/native.sh', 'scripts/prebuild.sh', 'scripts/build-win32.sh'];

const sha256 = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function sourcesHash() {
  const files = [...SOURCES, ...fs.readdirSync(path.join(root, 'native')).sort().map((f) => `native/${f}`)];
  const h = crypto.createHash('sha256');
  for (const f of files) h.update(`${f}\0`).update(fs.readFileSync(path.join(root, f))).update('\0');
  return h.digest('hex');
}

const read = () => JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
const write = (m) => fs.writeFileSync(manifestPath, `${JSON.stringify(m, null, 2)}\n`);

function fail(message) {
  process.stderr.write(`prebuilds: ${message}\n`);
  process.exit(1);
}

const [command, file, where] = process.argv.slice(2);
if (command === 'stamp') {
  const binaries = {};
  for (const t of TARGETS) binaries[t] = { sha256: sha256(path.join(dir, t)), ran: [] };
  write({ sources: sourcesHash(), binaries });
} else if (command === 'ran' && file && where) {
  const m = read();
  const entry = m.binaries[file];
  if (!entry || entry.sha256 !== sha256(path.join(dir, file))) fail(`${file} is not the binary the manifest names`);
  if (!entry.ran.includes(where)) entry.ran.push(where);
  write(m);
} else if (command === 'check') {
  if (!fs.existsSync(manifestPath)) fail('no prebuilds/manifest.json: run `npm run prebuild`, then `npm run test:matrix`');
  const m = read();
  if (m.sources !== sourcesHash()) fail('stale: native/ or the build recipe changed since `npm run prebuild`');
  for (const t of TARGETS) {
    const entry = m.binaries[t];
    const p = path.join(dir, t);
    if (!entry || !fs.existsSync(p)) fail(`missing ${t}: run \`npm run prebuild\``);
    if (entry.sha256 !== sha256(p)) fail(`${t} is not the binary that was built and tested`);
    if (entry.ran.length === 0) fail(`${t} has never run: \`npm run test:matrix\` runs every prebuild`);
  }
  const extra = fs.readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.node') && !TARGETS.includes(f.split(path.sep).join('/')));
  if (extra.length) fail(`unexpected binaries in prebuilds/: ${extra.join(', ')}`);
  process.stderr.write(`prebuilds: ${TARGETS.map((t) => `${t} (ran: ${m.binaries[t].ran.join(', ')})`).join('; ')}\n`);
} else {
  fail('usage: prebuilds.js stamp | ran <file> <where> | check');
}
