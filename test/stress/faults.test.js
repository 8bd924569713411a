// Randomized fault injection: processes SIGKILLed and workers terminated at random moments, processes that
// exit or throw with many waits pending, thousands of foreign signals during waits, and fds closed under
// pending waits. After each scenario: no crash, no hang, and nothing held by nobody (a fresh fd gets the lock,
// and /proc/locks lists no dead process and no leftover waiter).
// Every random choice comes from a seeded PRNG; the seed is printed (t.diagnostic) and replayed with
// STRESS_SEED=<seed> npm run test:stress: the same seed makes the same choices (the machine's timing still varies).
// Steps are ordered by IPC messages and by watching the kernel's lock table; the only sleeps pick random moments
// for a fault, never an order. Each scenario is bounded in rounds and in time; every child has a SIGKILL guard.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, fork } = require('node:child_process');
const { once } = require('node:events');
const { setTimeout: sleep, setImmediate: tick } = require('node:timers/promises');
const { flockSync, tryLock, unlock, holders } = require('../..');
const { prng, derive, kernelKey, locksOf, alive, spin } = require('./fixtures/faults-common');

const SEED = process.env.STRESS_SEED ? Number(process.env.STRESS_SEED) : Date.now();
const fixtures = path.join(__dirname, 'fixtures');
const skip = process.platform !== 'linux' && 'the checks read /proc/locks and /proc/self/fdinfo (Linux)';
const HANG = 60_000; // SIGKILL guard for a child: only to catch a hang (a round takes milliseconds)

function seedNote(t, label) {
  t.diagnostic(`seed ${SEED} (replay: STRESS_SEED=${SEED} npm run test:stress)`);
  return prng(derive(SEED, label));
}

function tempDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-flock-faults-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }));
  return dir;
}

function newFile(dir, name) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, '');
  return file;
}

/** Rejects with a message naming `what` when `promise` has not settled within `ms`. */
function within(promise, ms, what) {
  let timer;
  const bound = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang: ${what} not within ${ms} ms (seed ${SEED})`)), ms);
  });
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

/** Polls `cond` (a kernel fact, say) until it is true; throws after `ms`. */
async function until(cond, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const v = cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms (seed ${SEED})`);
    await sleep(1);
  }
}

/** Forks a fixture with IPC; its messages queue for next(). SIGKILLed at the test's end and by a hang guard. */
function child(t, script, args, { stdout = 'ignore' } = {}) {
  const c = fork(path.join(fixtures, script), args.map(String), { stdio: ['ignore', stdout, 'pipe', 'ipc'] });
  let stderr = '';
  c.stderr.on('data', (d) => (stderr += d));
  const inbox = [];
  const waiting = [];
  let closed = false;
  c.on('message', (m) => (waiting.length ? waiting.shift().resolve(m) : inbox.push(m)));
  c.on('disconnect', () => {
    closed = true; // every message has arrived: nobody waits for another
    for (const w of waiting.splice(0)) w.reject(new Error(`${script} (pid ${c.pid}) closed its channel`));
  });
  const guard = setTimeout(() => c.kill('SIGKILL'), HANG);
  const exited = once(c, 'exit').then(([code, signal]) => {
    clearTimeout(guard);
    return { code, signal, stderr };
  });
  t.after(() => c.kill('SIGKILL'));
  const next = (what = 'a message') => {
    if (inbox.length) return Promise.resolve(inbox.shift());
    if (closed) return Promise.reject(new Error(`${script} (pid ${c.pid}) closed its channel before ${what}`));
    return within(new Promise((resolve, reject) => waiting.push({ resolve, reject })), HANG / 2, `${script} (pid ${c.pid}): ${what}`);
  };
  return {
    c,
    pid: c.pid,
    exited,
    stderr: () => stderr,
    next,
    send(msg, what) { c.send(msg); return next(what); },
    post(msg) { c.send(msg); },
    async kill() {
      c.kill('SIGKILL');
      return exited;
    },
  };
}

/** Nobody holds `file` and nobody waits for it: a fresh fd gets the lock; /proc/locks has no entry left for it. */
function assertFree(file, where) {
  const fd = fs.openSync(file, 'r+');
  try {
    const left = locksOf(kernelKey(file));
    assert.strictEqual(tryLock(fd), true, `${where}: a fresh fd cannot lock ${file}; /proc/locks: ${JSON.stringify(left)} (seed ${SEED})`);
    unlock(fd);
  } finally {
    fs.closeSync(fd);
  }
  assert.deepStrictEqual(holders(file), [], `${where}: holders(${file}) (seed ${SEED})`);
  assert.deepStrictEqual(locksOf(kernelKey(file)).waiters, [], `${where}: waiters left on ${file} (seed ${SEED})`);
}

/** No process in the file's lock table is dead, and none of `gone` is in it. */
function assertNoDead(file, gone, where) {
  const { holders: h, waiters: w } = locksOf(kernelKey(file));
  for (const e of [...h, ...w]) {
    assert.ok(!gone.includes(e.pid) && alive(e.pid), `${where}: pid ${e.pid} is dead but listed: ${JSON.stringify({ h, w })} (seed ${SEED})`);
  }
  for (const e of holders(file)) assert.ok(alive(e.pid), `${where}: holders() lists dead pid ${e.pid} (seed ${SEED})`);
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Holders SIGKILLed at random moments.

test('faults 1: holders SIGKILLed at random moments (holding, waiting, right after a grant) leave nothing held', { skip }, async (t) => {
  const rand = seedNote(t, 'sigkill');
  const started = Date.now();
  const file = newFile(tempDir(t), 'kill.lock');
  const key = kernelKey(file);
  const spawnHolder = async () => {
    const h = child(t, 'faults-holder.js', [file, rand.int(2 ** 32)]);
    assert.deepStrictEqual(await h.next('ready'), { ready: true });
    return h;
  };
  const kills = { holding: 0, waiting: 0, between: 0, grantedUndelivered: 0, grantedSync: 0, targetedWaiting: 0 };
  // holding/waiting/between: the kernel's view of a looping victim just before its kill; grantedUndelivered: granted
  // in the kernel while its JavaScript busy-looped; grantedSync: just out of flockSync(); targetedWaiting: the rest.
  let missed = 0; // targeted rounds where every grant came and went before the test looked
  const live = [];
  for (let i = 0; i < 4; i++) live.push(await spawnHolder());
  for (const h of live) h.post({ loop: true });

  // Random kills of processes locking in loops: the kernel's table just before the kill says what it was doing.
  const loopDeadline = Date.now() + 10_000;
  let loopRounds = 0;
  while (loopRounds < 50 && Date.now() < loopDeadline) {
    loopRounds++;
    await sleep(rand.int(25)); // a random moment: the fault's timing, not an order
    const at = rand.int(live.length);
    const victim = live[at];
    const { holders: h, waiters: w } = locksOf(key);
    kills[h.some((e) => e.pid === victim.pid) ? 'holding' : w.some((e) => e.pid === victim.pid) ? 'waiting' : 'between']++;
    const { signal } = await within(victim.kill(), 10_000, 'a SIGKILLed holder exits');
    assert.strictEqual(signal, 'SIGKILL');
    assertNoDead(file, [victim.pid], `loop round ${loopRounds}`);
    live[at] = await spawnHolder();
    live[at].post({ loop: true });
  }
  // The survivors stop looping; each one's last, untimed wait must be granted.
  const stops = await Promise.all(live.map((h) => h.send({ stop: true }, 'a survivor is granted its last wait')));
  assertFree(file, 'after the loop rounds');
  const loopCounts = { iterations: 0, grants: 0, timeouts: 0, aborts: 0 };
  for (const s of stops) for (const k of Object.keys(loopCounts)) loopCounts[k] += s[k];

  // Targeted kills: everybody waits behind the test's lock; the test releases, then kills either a process the
  // kernel has just granted (still in its busy loop: the grant is undelivered, or a flockSync is just done) or
  // one still waiting. Every survivor is then granted in turn.
  const fd = fs.openSync(file, 'r+');
  t.after(() => fs.closeSync(fd));
  let targetRounds = 0;
  const targetDeadline = Date.now() + 7_000;
  while (targetRounds < 30 && Date.now() < targetDeadline) {
    targetRounds++;
    flockSync(fd, 'ex');
    const plans = live.map(() => ({ op: rand.chance(0.75) ? 'ex' : 'sh', sync: rand.chance(0.3), spin: 5 + rand.int(40) }));
    await Promise.all(live.map((h, i) => h.send({ wait: plans[i] }, 'a targeted wait starts')));
    // Every one of them is in the kernel (async waits: their native thread; sync ones: the main thread).
    await until(() => {
      const { waiters } = locksOf(key);
      return live.every((h) => waiters.some((e) => e.pid === h.pid));
    }, 10_000, `round ${targetRounds}: all four wait in the kernel (${live.map((h) => h.pid)})`).catch((err) => {
      throw new Error(`${err.message}: ${fs.readFileSync('/proc/locks', 'latin1')}`);
    });
    const granted = live.map((h) => h.next('a survivor is granted'));
    const reported = live.map(() => false);
    granted.forEach((p, i) => p.then(() => (reported[i] = true), () => {}));
    unlock(fd);
    const kind = rand.pick(['granted', 'granted', 'waiting']);
    let at;
    if (kind === 'granted') {
      // The first one the kernel grants (or none, if all of them came and went between two looks: a slow turn).
      at = await until(() => {
        const { holders: h } = locksOf(key);
        const i = live.findIndex((p) => h.some((e) => e.pid === p.pid));
        return i >= 0 ? i + 1 : reported.every(Boolean) ? -1 : 0;
      }, 10_000, `round ${targetRounds}: the kernel grants one`) - 1;
      spin(rand.range(0, 2));
    } else {
      const { waiters } = locksOf(key);
      const candidates = live.map((_, i) => i).filter((i) => waiters.some((e) => e.pid === live[i].pid));
      at = candidates.length > 0 ? rand.pick(candidates) : rand.int(live.length);
    }
    if (at < 0) {
      missed++;
      assertFree(file, `targeted round ${targetRounds}`);
      continue;
    }
    const victim = live[at];
    const { holders: before } = locksOf(key);
    const wasHolder = before.some((e) => e.pid === victim.pid);
    await within(victim.kill(), 10_000, 'a SIGKILLed holder exits');
    if (wasHolder && !reported[at]) kills[plans[at].sync ? 'grantedSync' : 'grantedUndelivered']++;
    else kills.targetedWaiting++;
    assertNoDead(file, [victim.pid], `targeted round ${targetRounds}`);
    await Promise.all(granted.filter((_, i) => i !== at));
    assertFree(file, `targeted round ${targetRounds}`);
    live[at] = await spawnHolder();
  }
  for (const h of live) h.post({ exit: true });
  await Promise.all(live.map((h) => within(h.exited, 10_000, 'a holder exits')));
  assertFree(file, 'at the end');
  const total = Object.values(kills).reduce((a, b) => a + b, 0);
  t.diagnostic(`rounds: ${loopRounds} random + ${targetRounds} targeted (${missed} without a kill); kills: ${total} ${JSON.stringify(kills)}`);
  t.diagnostic(`the survivors' loops: ${JSON.stringify(loopCounts)}; ${Date.now() - started} ms`);
});

/**
 * Runs a fixture that plays rounds by itself and reports one message per round (with `problems`) and {done} at
 * the end; resolves once it has exited and its channel has closed (every report has arrived).
 */
async function rounds(t, script, args) {
  const c = child(t, script, args);
  const reports = [];
  let done = null;
  for (;;) {
    let m;
    try {
      m = await c.next('a round');
    } catch (err) {
      if (!/closed its channel/.test(err.message)) throw err; // a hang: the round never reported
      break; // the channel closed: the child ended
    }
    if (m.done) done = m;
    else reports.push(m);
  }
  const { code, signal, stderr } = await c.exited;
  return { code, signal, stderr, reports, done };
}

/** The fixture ran its rounds, reported no problem, and exited by itself: neither aborted nor killed. */
function assertRounds({ code, signal, stderr, reports, done }) {
  const detail = `exited with code ${code}, signal ${signal} after ${reports.length} rounds (seed ${SEED}); stderr:\n${stderr}`;
  for (const r of reports) assert.deepStrictEqual(r.problems, [], `round ${r.round} (${r.plan}): ${detail}`);
  assert.doesNotMatch(stderr, /FATAL ERROR|Assertion failed|Segmentation|Aborted/, detail);
  assert.deepStrictEqual({ code, signal }, { code: 0, signal: null }, detail);
  assert.ok(done && done.rounds >= 1 && reports.length === done.rounds, detail);
}

// ---------------------------------------------------------------------------------------------------------------
// 2. worker.terminate() at random points of a worker's async waits.

test('faults 2: worker.terminate() at random points of async waits leaves the process alive and nothing held', { skip }, async (t) => {
  const rand = seedNote(t, 'terminate');
  const started = Date.now();
  const result = await rounds(t, 'faults-terminate.js', [tempDir(t), rand.int(2 ** 32), 400, 12_000]);
  assertRounds(result);
  t.diagnostic(`rounds: ${result.done.rounds}; ${JSON.stringify(result.done.counts)}; ${Date.now() - started} ms`);
});

// A terminate that lands while the worker is still loading the addon: Init's node-addon-api calls fail there, and
// without NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS their throw aborted the whole process.
test('faults 2b: worker.terminate() while the worker loads fs-flock does not abort the process', {
  skip,
}, async (t) => {
  const rand = seedNote(t, 'terminate-load');
  const result = await rounds(t, 'faults-terminate.js', [tempDir(t), rand.int(2 ** 32), 300, 4_000, 'load']);
  t.diagnostic(`rounds: ${result.reports.length}; exit: ${result.code ?? result.signal}`);
  assertRounds(result);
});

// ---------------------------------------------------------------------------------------------------------------
// 3. process.exit() and uncaught exceptions with many waits pending and some granted.

test('faults 3: process.exit() and uncaught exceptions with many waits pending exit promptly, cleanly, holding nothing', { skip }, async (t) => {
  const rand = seedNote(t, 'exit');
  const started = Date.now();
  const dir = tempDir(t);
  const stats = { rounds: 0, exits: 0, throws: 0, waits: 0, grantedBeforeGo: 0, grantedAtEnd: 0, pendingAtEnd: 0, maxExitMs: 0, where: {} };
  const deadline = Date.now() + 10_000;
  while (stats.rounds < 60 && Date.now() < deadline) {
    const r = stats.rounds++;
    const files = Array.from({ length: 2 + rand.int(4) }, (_, i) => newFile(dir, `exit-${r}-${i}.lock`));
    const fds = files.map((f) => fs.openSync(f, 'r+'));
    // File 0 stays free (grants keep coming there from the start), file 1 is held, the others mostly.
    const held = fds.map((fd, i) => i === 1 || (i > 1 && rand.chance(0.8)));
    fds.forEach((fd, i) => held[i] && flockSync(fd, 'ex'));
    const how = rand.chance(0.5) ? 'exit' : 'throw';
    const where = rand.pick(how === 'exit' ? ['now', 'timer', 'microtask', 'grant'] : ['now', 'timer', 'microtask', 'grant', 'rejection']);
    const plan = { seed: rand.int(2 ** 32), how, where, code: 2 + rand.int(120), spin: rand.int(20), waits: 100 + rand.int(300) };
    stats.where[where] = (stats.where[where] || 0) + 1;
    stats[how === 'exit' ? 'exits' : 'throws']++;
    stats.waits += plan.waits;
    const c = child(t, 'faults-exit.js', [JSON.stringify(plan), ...files], { stdout: 'pipe' });
    let out = '';
    c.c.stdout.on('data', (d) => (out += d));
    const ready = await c.next('its waits are started');
    stats.grantedBeforeGo += ready.granted;
    // Release some files just before the go: their grants reach a process that is busy, then ending.
    // (File 1 always when the child is to end in a grant's continuation: its many waiters keep grants coming.)
    for (const [i, fd] of fds.entries()) if (held[i] && ((i === 1 && where === 'grant') || rand.chance(0.4))) unlock(fd);
    const goAt = performance.now();
    c.post({ go: true });
    const { code, signal, stderr } = await within(c.exited, HANG, `round ${r}: the child ends`);
    const exitMs = performance.now() - goAt;
    stats.maxExitMs = Math.max(stats.maxExitMs, Math.round(exitMs));
    const detail = `round ${r} ${JSON.stringify(plan)} (seed ${SEED}): code ${code}, signal ${signal}, ${Math.round(exitMs)} ms; stderr:\n${stderr}`;
    assert.doesNotMatch(stderr, /FATAL ERROR|Assertion failed|Segmentation|Aborted/, detail);
    assert.deepStrictEqual({ code, signal }, { code: how === 'exit' ? plan.code : 1, signal: null }, detail);
    if (how === 'throw') assert.match(stderr, new RegExp(`boom ${plan.seed}`), detail);
    assert.ok(exitMs < 5_000 + plan.spin, `not prompt: ${detail}`);
    const line = out.split('\n').find((l) => l.startsWith('{'));
    if (line) {
      const counts = JSON.parse(line);
      stats.grantedAtEnd += counts.granted;
      stats.pendingAtEnd += counts.pending;
    }
    // Nothing of the dead process is left; once the test lets go of its own locks, every file is free.
    for (const f of files) assertNoDead(f, [c.pid], `round ${r}`);
    for (const fd of fds) fs.closeSync(fd);
    for (const f of files) assertFree(f, `round ${r}`);
  }
  t.diagnostic(`${JSON.stringify(stats)}; ${Date.now() - started} ms`);
});

// ---------------------------------------------------------------------------------------------------------------
// 4. Thousands of foreign signals while waits are pending.

// The helper addon for the raw mode: a counting handler installed with or without SA_RESTART, whether a signal's
// current handler restarts system calls (libuv's, behind process.on, does), and SIGRTMAX. Built at test time.
const SIGHANDLER_C = `
#include <node_api.h>
#include <signal.h>
static volatile sig_atomic_t hits = 0;
static void on_signal(int sig) { (void)sig; hits++; }
static int arg(napi_env env, napi_callback_info info, size_t i) {
  size_t argc = 2; napi_value argv[2]; int32_t v = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (i < argc) napi_get_value_int32(env, argv[i], &v);
  return v;
}
static napi_value num(napi_env env, int v) { napi_value out; napi_create_int32(env, v, &out); return out; }
static napi_value install(napi_env env, napi_callback_info info) {
  struct sigaction sa = {0};
  sa.sa_handler = on_signal;
  sa.sa_flags = arg(env, info, 1) ? SA_RESTART : 0;
  sigemptyset(&sa.sa_mask);
  return num(env, sigaction(arg(env, info, 0), &sa, NULL));
}
static napi_value restarts(napi_env env, napi_callback_info info) {
  struct sigaction old;
  sigaction(arg(env, info, 0), NULL, &old);
  return num(env, (old.sa_flags & SA_RESTART) ? 1 : 0);
}
static napi_value count(napi_env env, napi_callback_info info) { (void)info; return num(env, hits); }
static napi_value rtmax(napi_env env, napi_callback_info info) { (void)info; return num(env, SIGRTMAX); }
NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "install", NAPI_AUTO_LENGTH, install, NULL, &fn); napi_set_named_property(env, exports, "install", fn);
  napi_create_function(env, "restarts", NAPI_AUTO_LENGTH, restarts, NULL, &fn); napi_set_named_property(env, exports, "restarts", fn);
  napi_create_function(env, "count", NAPI_AUTO_LENGTH, count, NULL, &fn); napi_set_named_property(env, exports, "count", fn);
  napi_create_function(env, "rtmax", NAPI_AUTO_LENGTH, rtmax, NULL, &fn); napi_set_named_property(env, exports, "rtmax", fn);
  return exports;
}
`;

/** Builds the helper addon with `cc`; null (and a diagnostic) when there is no compiler or no Node-API header. */
function buildSigAddon(t, dir) {
  const include = [path.join(process.execPath, '../../include/node'), '/usr/include/node']
    .find((d) => fs.existsSync(path.join(d, 'node_api.h'))) || require('node-api-headers').include_dir;
  const src = path.join(dir, 'sighandler.c');
  const out = path.join(dir, 'sighandler.node');
  fs.writeFileSync(src, SIGHANDLER_C);
  try {
    execFileSync('cc', ['-O2', '-shared', '-fPIC', '-I', include, '-o', out, src], { stdio: 'pipe' });
    return out;
  } catch (err) {
    t.diagnostic(`no helper addon (${err.message.split('\n')[0]}): the raw SA_RESTART-less mode is skipped`);
    return null;
  }
}

/**
 * Sends `signals` to `pid` round-robin at about `perMs` a millisecond (and, with `stops`, a SIGSTOP/SIGCONT pair
 * now and then) until stop() is called, yielding to the event loop between bursts. Counts what it sent.
 */
function blast(pid, signals, sent, { perMs = 10, stops = false } = {}) {
  let running = true;
  const loop = (async () => {
    const start = performance.now();
    let n = 0;
    let i = 0;
    while (running) {
      const due = Math.min(200, Math.floor((performance.now() - start) * perMs) - n);
      for (let k = 0; k < due; k++, n++) {
        const sig = signals[i++ % signals.length];
        try {
          process.kill(pid, sig);
          sent[sig] = (sent[sig] || 0) + 1;
        } catch (err) {
          if (err.code !== 'EAGAIN') throw err; // the realtime queue is full: that one is not sent
          sent.refused = (sent.refused || 0) + 1;
        }
      }
      if (stops && i % 97 < due) {
        process.kill(pid, 'SIGSTOP');
        process.kill(pid, 'SIGCONT');
        sent.stopCont = (sent.stopCont || 0) + 1;
      }
      await tick();
    }
  })();
  return () => {
    running = false;
    return loop;
  };
}

test('faults 4: thousands of foreign signals: waits still end right, and timeouts still expire on time', { skip }, async (t) => {
  const rand = seedNote(t, 'signals');
  const started = Date.now();
  const dir = tempDir(t);
  const addon = buildSigAddon(t, dir);
  const modes = addon ? ['node', 'raw', 'node', 'raw'] : ['node', 'node'];
  const sent = {};
  const stats = { rounds: 0, hits: {}, granted: 0, timeouts: 0, syncTimeouts: 0, maxLateMs: 0, nodeRestarts: null };
  for (const [r, mode] of modes.entries()) {
    stats.rounds++;
    const file = newFile(dir, `sig-${r}.lock`);
    const key = kernelKey(file);
    const fd = fs.openSync(file, 'r+');
    t.after(() => fs.closeSync(fd));
    flockSync(fd, 'ex');
    const c = child(t, 'faults-signals.js', [mode, addon || '', file, rand.int(2 ** 32)]);
    const ready = await c.next('ready');
    if (mode === 'node') stats.nodeRestarts = ready.restarts;
    const where = `round ${r} (${mode}, seed ${SEED})`;
    const late = (ms, elapsed, what) => {
      assert.ok(elapsed >= ms - 1, `${where}: ${what} of ${ms} ms ended early, after ${elapsed} ms`);
      assert.ok(elapsed < ms + 2_000, `${where}: ${what} of ${ms} ms ended late, after ${elapsed} ms`);
      stats.maxLateMs = Math.max(stats.maxLateMs, Math.round(elapsed - ms));
    };
    const inKernel = () => until(() => locksOf(key).waiters.some((e) => e.pid === c.pid), 10_000, `${where}: the child waits in the kernel`);

    // Async waits: the timed ones expire on time, then the release grants every untimed one.
    const untimed = Array.from({ length: 10 + rand.int(20) }, () => (rand.chance(0.7) ? 'ex' : 'sh'));
    const timed = Array.from({ length: 1 + rand.int(3) }, () => 150 + rand.int(250));
    const aborted = Array.from({ length: 1 + rand.int(3) }, () => 150 + rand.int(250));
    c.post({ async: { untimed, timed, aborted } });
    const { rtsig } = await c.next('async waits in the kernel');
    assert.ok(rtsig, `${where}: fs-flock's interrupt signal not found in SigCgt`);
    const signals = ['SIGUSR2', rtsig];
    let stop = blast(c.pid, signals, sent, { perMs: 12 });
    const expired = await c.next('the timed waits end');
    for (const e of expired.timed) late(e.ms, e.elapsed, `a wait (${e.code})`);
    assert.deepStrictEqual(expired.timed.map((e) => e.code).sort(), [...timed.map(() => 'ETIMEDOUT'), ...aborted.map(() => 'ABORT_ERR')].sort(), where);
    stats.timeouts += expired.timed.length;
    await sleep(50 + rand.int(100)); // more signals while the untimed ones still wait
    unlock(fd);
    assert.deepStrictEqual(await c.next('every untimed wait is granted'), { granted: untimed.length }, where);
    stats.granted += untimed.length;
    await stop();
    flockSync(fd, 'ex');

    // flockSync with a timeout, the caller asleep on a timed condition: ETIMEDOUT on time, every time.
    const timeout = 100 + rand.int(150);
    c.post({ syncTimeout: true, timeout, times: 3 });
    assert.deepStrictEqual(await c.next('blocking'), { blocking: true });
    stop = blast(c.pid, signals, sent, { perMs: 12 });
    const { syncTimed } = await c.next('the sync timeouts');
    await stop();
    for (const e of syncTimed) {
      assert.strictEqual(e.code, 'ETIMEDOUT', `${where}: flockSync({ timeout }) under signals: ${JSON.stringify(syncTimed)}`);
      late(timeout, e.elapsed, 'flockSync({ timeout })');
    }
    stats.syncTimeouts += syncTimed.length;

    // flockSync with a long timeout, and without one (the main thread in flock(2) itself, SIGSTOP/SIGCONT too):
    // granted when the test releases, never an EINTR.
    for (const phase of [{ syncGrant: true, timeout: 20_000 }, { sync: true }]) {
      c.post(phase);
      assert.deepStrictEqual(await c.next('blocking'), { blocking: true });
      await inKernel();
      stop = blast(c.pid, signals, sent, { perMs: 12, stops: !!phase.sync });
      await sleep(100 + rand.int(200));
      unlock(fd);
      const got = await c.next('a sync wait is granted');
      await stop();
      assert.strictEqual(got.granted, true, `${where}: ${JSON.stringify(phase)} under signals: ${JSON.stringify(got)}`);
      stats.granted++;
      flockSync(fd, 'ex');
    }
    const { hits } = await c.send({ report: true }, 'hits');
    stats.hits[mode] = (stats.hits[mode] || 0) + hits;
    c.post({ exit: true });
    const { code, signal, stderr } = await within(c.exited, 10_000, `${where}: the child exits`);
    assert.deepStrictEqual({ code, signal, stderr }, { code: 0, signal: null, stderr: '' }, where);
    unlock(fd);
    assertFree(file, where);
  }
  assert.ok(sent.SIGUSR2 >= 5_000, `only ${sent.SIGUSR2} SIGUSR2 sent`);
  t.diagnostic(`signals sent: ${JSON.stringify(sent)}; ${JSON.stringify(stats)}; ${Date.now() - started} ms`);
});

// ---------------------------------------------------------------------------------------------------------------
// 5. fds closed with waits pending: the head (in the kernel or not yet) and waits queued behind it.

test('faults 5: fds closed under pending waits: no crash, no hang, never a lock on a file that reused the number', { skip }, async (t) => {
  const rand = seedNote(t, 'close');
  const started = Date.now();
  const result = await rounds(t, 'faults-close.js', [tempDir(t), rand.int(2 ** 32), 2_000, 5_000]);
  assertRounds(result);
  t.diagnostic(`rounds: ${result.done.rounds}; ${JSON.stringify(result.done.counts)}; ${Date.now() - started} ms`);
});
