// Torture: one counter file, incremented at once by every kind of flock(2) locker this machine has, each holding an
// exclusive lock on one shared lock file for its read-increment-write: fs-flock in separate Node processes (async
// flock(), flockSync, ExclusiveLock.acquire and acquireSync), worker_threads of one process (each opening the lock
// file itself), util-linux flock(1) (a shell loop on fd 9, and one `flock FILE sh -c` per increment), Python's
// fcntl.flock and Rust's std::fs::File::lock (compiled here with rustc). If any of them ever entered while another
// held the lock, an update would be lost: the final count must equal the number of increments exactly, and the
// values the participants read must be 0 .. total-1, each read exactly once.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { holders } = require('../..');
const { isWindows } = require('../helpers');

const N = Number(process.env.FS_FLOCK_INTEROP_N) || 1000; // increments per participant (an env override for local runs)
const HANG_MS = 120_000; // every child is SIGKILLed (with its process group) after this long
const FIXTURES = path.join(__dirname, 'fixtures');
const MIN_RUST = [1, 89]; // std::fs::File::lock

// flock(1) on fd 9 of one long-lived shell: `flock -x 9` / `flock -u 9` around each cycle.
const SH_FD9 = `
set -u
lock=$1 counter=$2 log=$3 n=$4
exec 9<>"$lock" 7>"$log"
echo ready
read go || exit 2
[ "$go" = go ] || exit 2
i=0
while [ "$i" -lt "$n" ]; do
  flock -x 9 || exit 4
  read v < "$counter" || { echo "flock(1) fd 9: unreadable counter file" >&2; exit 3; }
  case $v in ''|*[!0-9]*) echo "flock(1) fd 9: the counter file holds '$v'" >&2; exit 3;; esac
  echo $((v + 1)) > "$counter"
  flock -u 9 || exit 4
  echo "$v" >&7
  i=$((i + 1))
done`;

// flock(1) running one command per cycle: `flock -x FILE sh -c 'read-increment-write'`.
const SH_INNER = `
read v < "$1" || { echo "flock(1) command: unreadable counter file" >&2; exit 3; }
case $v in ''|*[!0-9]*) echo "flock(1) command: the counter file holds '$v'" >&2; exit 3;; esac
echo $((v + 1)) > "$1"
echo "$v" >> "$2"`;
const SH_COMMAND = `
set -u
lock=$1 counter=$2 log=$3 n=$4 inner=$5
: > "$log"
echo ready
read go || exit 2
[ "$go" = go ] || exit 2
i=0
while [ "$i" -lt "$n" ]; do
  flock -x "$lock" sh -c "$inner" sh "$counter" "$log" || exit $?
  i=$((i + 1))
done`;

/**
 * Runs a command to completion, SIGKILLed after `ms`; resolves with { code, signal, stdout, stderr }, rejects if it
 * cannot be started (ENOENT). (Not spawn's own `timeout`: its timer outlives a spawn that fails, by `ms`.)
 */
function run(cmd, args, ms, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
  });
}

/** Why a program cannot take part, or null when it can. */
async function missing(cmd, args) {
  try {
    const res = await run(cmd, args, 30_000);
    return res.code === 0 ? null : `\`${cmd} ${args.join(' ')}\` exited with ${res.code}: ${res.stderr.trim()}`;
  } catch (err) {
    return `${cmd} is not available (${err.code || err.message})`;
  }
}

/** Compiles the Rust participant, or says why it is skipped. Resolves with { bin } or { skip }, and the time taken. */
async function buildRust(dir) {
  const started = Date.now();
  let version;
  try {
    version = await run('rustc', ['--version'], 30_000);
  } catch (err) {
    return { skip: `rustc is not available (${err.code || err.message})` };
  }
  const m = /^rustc (\d+)\.(\d+)\.\d+/.exec(version.stdout);
  if (version.code !== 0 || !m) return { skip: `cannot tell rustc's version from ${JSON.stringify(version.stdout + version.stderr)}` };
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major < MIN_RUST[0] || (major === MIN_RUST[0] && minor < MIN_RUST[1])) {
    return { skip: `rustc ${major}.${minor} is older than ${MIN_RUST.join('.')} (std::fs::File::lock)` };
  }
  const out = fs.mkdtempSync(path.join(dir, 'rustc-')); // rustc's output and scratch files stay out of the way
  const bin = path.join(out, 'interop-counter');
  const res = await run('rustc', ['-O', '-o', bin, path.join(FIXTURES, 'interop-counter.rs')], HANG_MS, { cwd: out });
  assert.strictEqual(res.code, 0, `rustc failed (${res.signal || res.code}):\n${res.stderr}`);
  return { bin, version: version.stdout.trim(), ms: Date.now() - started };
}

/** Spawns a participant in its own process group; `ready` resolves at its "ready" line, `exited` at its exit. */
function start(p) {
  const child = spawn(p.cmd, p.args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const state = { ...p, child, stdout: '', stderr: '', code: null, signal: null, ms: null };
  child.stdout.setEncoding('utf8').on('data', (d) => (state.stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (state.stderr += d));
  child.stdin.on('error', () => {}); // a participant that died early: its exit code tells
  state.exited = new Promise((resolve) => {
    child.on('error', (err) => { state.stderr += `spawn failed: ${err.message}\n`; resolve(); });
    child.on('close', (code, signal) => {
      Object.assign(state, { code, signal });
      if (state.goAt) state.ms = Date.now() - state.goAt;
      resolve();
    });
  });
  state.ready = new Promise((resolve, reject) => {
    const check = () => {
      if (state.stdout.startsWith('ready\n')) resolve();
      else if (state.stdout.length >= 6) reject(new Error(`${p.name} printed ${JSON.stringify(state.stdout)}`));
    };
    child.stdout.on('data', check);
    state.exited.then(() => reject(new Error(`${p.name} exited (${state.signal || state.code}) before it was ready:\n${state.stderr}`)));
  });
  state.ready.catch(() => {}); // awaited below; this only keeps an early exit from being an unhandled rejection
  return state;
}

/** SIGKILLs a participant and everything it started (flock(1) and sh children), unless it has exited. */
function kill(state) {
  if (state.child.pid === undefined || state.code !== null || state.signal !== null) return;
  try { process.kill(-state.child.pid, 'SIGKILL'); } catch {}
}

function readLog(file) {
  const text = fs.readFileSync(file, 'utf8');
  return text === '' ? [] : text.trimEnd().split('\n').map(Number);
}

test('every flock(2) locker at once: fs-flock (4 APIs, processes and worker_threads), flock(1), Python, Rust', {
  skip: isWindows && 'flock(1), fcntl.flock and File::lock are POSIX flock(2) here; Windows locks differ',
}, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-flock-interop-'));
  const lock = path.join(dir, 'counter.lock');
  const counter = path.join(dir, 'counter');
  fs.writeFileSync(lock, '');
  fs.writeFileSync(counter, '0\n');
  const states = [];
  t.after(async () => {
    states.forEach(kill);
    await Promise.all(states.map((s) => s.exited));
    try { fs.rmSync(dir, { recursive: true, force: true }); } catch {}
  });

  const [rust, noFlock, noPython] = await Promise.all([
    buildRust(dir), missing('flock', ['--version']), missing('python3', ['-c', 'import fcntl']),
  ]);
  const log = (name) => path.join(dir, `${name}.log`);
  const node = (name, config) => ({
    name, cmd: process.execPath, args: [path.join(FIXTURES, 'interop-node.js'), JSON.stringify({ lock, counter, n: N, ...config })],
  });
  const workerModes = ['flock', 'acquire', 'flockSync'];
  const participants = [
    { ...node('fs-flock flock()', { mode: 'flock', log: log('flock') }), logs: [log('flock')] },
    { ...node('fs-flock flockSync', { mode: 'flockSync', log: log('flockSync') }), logs: [log('flockSync')] },
    { ...node('fs-flock ExclusiveLock.acquire', { mode: 'acquire', log: log('acquire') }), logs: [log('acquire')] },
    { ...node('fs-flock ExclusiveLock.acquireSync', { mode: 'acquireSync', log: log('acquireSync') }), logs: [log('acquireSync')] },
    {
      ...node(`fs-flock worker_threads (${workerModes.join(', ')})`, {
        mode: 'workers', workers: workerModes.map((mode, i) => ({ mode, log: log(`worker${i}`) })),
      }),
      logs: workerModes.map((_, i) => log(`worker${i}`)),
    },
    { name: 'flock(1) -x 9 (shell loop)', cmd: 'sh', args: ['-c', SH_FD9, 'sh', lock, counter, log('flock1-fd9'), String(N)], logs: [log('flock1-fd9')], skip: noFlock },
    { name: 'flock(1) FILE sh -c (one per increment)', cmd: 'sh', args: ['-c', SH_COMMAND, 'sh', lock, counter, log('flock1-cmd'), String(N), SH_INNER], logs: [log('flock1-cmd')], skip: noFlock },
    { name: 'python fcntl.flock', cmd: 'python3', args: [path.join(FIXTURES, 'interop-counter.py'), lock, counter, log('python'), String(N)], logs: [log('python')], skip: noPython },
    { name: 'rust File::lock', cmd: rust.bin, args: [lock, counter, log('rust'), String(N)], logs: [log('rust')], skip: rust.skip },
  ];
  const active = participants.filter((p) => !p.skip);
  for (const p of participants) if (p.skip) t.diagnostic(`${p.name}: skipped: ${p.skip}`);
  if (rust.bin) t.diagnostic(`${rust.version}: compiled the Rust participant in ${rust.ms} ms`);

  // The hang guard: bounds the start-up handshake and the run alike.
  let guardTimer;
  const guard = new Promise((_, reject) => {
    guardTimer = setTimeout(() => {
      const stuck = states.filter((s) => s.code === null && s.signal === null).map((s) => s.name);
      let held;
      try { held = (holders(lock) || []).map((h) => `pid ${h.pid} (${states.find((s) => s.child.pid === h.pid)?.name || 'not a participant'})`); } catch (err) { held = [err.message]; }
      const count = fs.readFileSync(counter, 'utf8'); // before the kills: a lock freed by one could let another write
      states.forEach(kill);
      reject(new Error(`hang guard: still running after ${HANG_MS} ms, SIGKILLed: ${stuck.join(', ')}; ` +
        `lock held by: ${held.join(', ') || 'nobody'}; counter file: ${JSON.stringify(count)}`));
    }, HANG_MS);
  });
  let elapsed;
  try {
    for (const p of active) states.push(start(p));
    await Promise.race([Promise.all(states.map((s) => s.ready)), guard]);
    // Everyone is set up and blocked reading stdin: release them together.
    const goAt = Date.now();
    for (const s of states) { s.goAt = goAt; s.child.stdin.end('go\n'); }
    await Promise.race([Promise.all(states.map((s) => s.exited)), guard]);
    elapsed = Date.now() - goAt;
  } finally {
    clearTimeout(guardTimer);
  }

  const lockers = active.reduce((sum, p) => sum + p.logs.length, 0);
  const total = lockers * N;
  t.diagnostic(`participants: ${active.length} processes, ${lockers} lockers (${active.map((p) => p.name).join('; ')})`);
  t.diagnostic(`increments: ${N} each, ${total} in all; elapsed ${elapsed} ms from "go" (${Math.round(total / (elapsed / 1000))} increments/s)`);
  t.diagnostic(`finished after (ms): ${states.map((s) => `${s.name} ${s.ms}`).join('; ')}`);

  const all = [];
  for (const p of participants) {
    await t.test(p.name, { skip: p.skip || false }, () => {
      const s = states.find((x) => x.name === p.name);
      assert.deepStrictEqual({ code: s.code, signal: s.signal }, { code: 0, signal: null }, `${p.name} failed:\n${s.stderr}`);
      for (const file of p.logs) {
        const seen = readLog(file);
        assert.strictEqual(seen.length, N, `${path.basename(file)}: ${seen.length} increments logged, not ${N}`);
        for (let i = 1; i < seen.length; i++) assert.ok(seen[i] > seen[i - 1], `${path.basename(file)}: read ${seen[i]} after ${seen[i - 1]}`);
        all.push(...seen);
      }
    });
  }

  assert.strictEqual(fs.readFileSync(counter, 'utf8'), `${total}\n`, 'the final count is the number of increments');
  // No lost update and no double entry: the values read are exactly 0 .. total-1.
  all.sort((a, b) => a - b);
  const wrong = all.findIndex((v, i) => v !== i);
  assert.ok(all.length === total && wrong === -1,
    `the values read are not 0..${total - 1}: ${all.length} values, first mismatch at ${wrong} (${all[wrong]})`);
});
