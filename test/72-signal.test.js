// The private interrupt signal never replaces another library's handler: fs-flock takes the highest realtime
// signal from SIGRTMAX-3 down that has none, and its waits are still cancelled at once.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, fork } = require('node:child_process');
const { once } = require('node:events');
const { tempFile } = require('./helpers');

const skip = process.platform !== 'linux' && 'realtime signals and /proc/self/status are Linux facts';

function headers() {
  for (const dir of [path.join(process.execPath, '../../include/node'), '/usr/include/node']) {
    if (fs.existsSync(path.join(dir, 'node_api.h'))) return dir;
  }
  return require('node-api-headers').include_dir;
}

const child = `
const fs = require('node:fs');
const [addonPath, pkg, file] = process.argv.slice(2);
const other = require(addonPath);
const { flock, flockSync } = require(pkg);
const caught = () => BigInt('0x' + fs.readFileSync('/proc/self/status', 'utf8').match(/^SigCgt:\\s*(\\w+)/m)[1]);
const taken = other.rtmax() - 3;
other.install(taken);
flockSync(fs.openSync(file, 'r+'), 'ex');
const ac = new AbortController();
const waiting = flock(fs.openSync(file, 'r+'), 'ex', { signal: ac.signal });
const chosen = () => [...Array(8).keys()].map((i) => taken - 1 - i).find((s) => (caught() >> BigInt(s - 1)) & 1n) ?? null;
const started = Date.now();
const poll = setInterval(async () => {
  // The waiting thread installs fs-flock's handler when it starts; then the wait can be interrupted.
  if (chosen() === null && Date.now() - started < 10000) return;
  clearInterval(poll);
  ac.abort(); // interrupts the waiting thread with fs-flock's signal
  const err = await waiting.catch((e) => e);
  process.send({
    taken,
    aborted: err.name,
    otherHandlerRuns: other.count(),
    otherStillInstalled: other.ours(taken) === 1,
    fsFlockSignal: chosen(),
  });
}, 5);
`;

test('a handler already on SIGRTMAX-3 is left alone, and waits are still interrupted', { skip }, async (t) => {
  const f = tempFile(t);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-flock-sig-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const addon = path.join(dir, 'sighandler.node');
  execFileSync('cc', ['-O2', '-shared', '-fPIC', '-I', headers(), '-o', addon, path.join(__dirname, 'fixtures', 'sighandler.c')]);
  const script = path.join(dir, 'child.js');
  fs.writeFileSync(script, child);
  const c = fork(script, [addon, path.join(__dirname, '..'), f.path], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const timer = setTimeout(() => c.kill('SIGKILL'), 30_000);
  t.after(() => clearTimeout(timer));
  const [[msg], [code]] = await Promise.all([once(c, 'message'), once(c, 'exit')]);
  assert.strictEqual(code, 0);
  assert.deepStrictEqual(msg, { taken: msg.taken, aborted: 'AbortError', otherHandlerRuns: 0, otherStillInstalled: true, fsFlockSignal: msg.taken - 1 });
});
