// Model-based randomized testing with fast-check: random programs of fs-flock operations, spread over three agent
// processes (test/stress/fixtures/model-agent.js, driven over IPC) with several fds and lock objects each, all on
// ONE lock file, checked step by step against a small reference model of flock(2):
//
// - every open file description (OFD: a plain fd, or the file a lock object opened) holds none, SH or EX;
// - SH is compatible with SH, EX with nothing; a request is granted iff it is compatible with every OTHER OFD;
// - re-locking an OFD in the mode it holds is a no-op success; converting (SH <-> EX) drops the old lock first,
//   so a conversion that fails (EAGAIN), times out or is aborted leaves the OFD holding nothing;
// - unlock always succeeds and leaves nothing; close (and lock-object release) drops the OFD;
// - a blocking wait is granted iff the model says so: commands are sequential, so a conflicting wait must end
//   with ETIMEDOUT (30 ms) or an AbortError and hold nothing, unless the same step releases the conflict
//   (`handoff`: waits queued in one agent, FIFO, then another OFD releases; those the model grants must be
//   granted, the others must time out); a wait without a timeout is only issued when the model grants it (or
//   acquireSync's EDEADLK applies);
// - an already-aborted signal rejects without touching the lock (flock()); upgrade() always releases first.
//
// After every step: the result must equal the model's prediction, each touched agent's view of the kernel
// (/proc/self/fdinfo per fd, lock.held, the number of fds it has open on the file) must equal the model, and
// holders(file) from this process must list exactly the model's {pid, mode} holders. `probe` steps (and the
// end of every program) also check the kernel directly: a fresh fd of this process tries SH, then EX.
//
// Env: MODEL_SEED (replay a seed), MODEL_PATH and MODEL_REPLAY (fast-check's path and commands replayPath, as a
// failure prints them), MODEL_RUNS (number of programs), MODEL_VERBOSE=1 (print every program).
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const util = require('node:util');
const { fork } = require('node:child_process');
const { once } = require('node:events');
const { setTimeout: delay } = require('node:timers/promises');
const fc = require('fast-check');
const flock = require('../..');

const N_AGENTS = 3;
const N_FDS = 3;
const N_OBJS = 2;
const SHORT = 30; // ms: the timeout of a wait the model says cannot be granted
const LONG = 3000; // ms: the timeout of a wait the model grants once another OFD releases (in ms, really)
const REPLY_MS = 10_000; // an agent that does not answer within this is broken (it is replaced)
const NUM_RUNS = Number(process.env.MODEL_RUNS || 700);
const MAX_COMMANDS = 100;
const TIME_LIMIT_MS = 200_000; // a guard (shrinking included) for a loaded machine, far above the usual ~55 s
const FIXTURE = path.join(__dirname, 'fixtures', 'model-agent.js');

// ---------------------------------------------------------------------------------------------------------
// The model

/** agents[a].fds[i]: null (closed) | 'none' | 'sh' | 'ex'; agents[a].objs[j]: null | { kind, held }. */
function emptyModel() {
  return {
    agents: Array.from({ length: N_AGENTS }, () => ({ fds: new Array(N_FDS).fill(null), objs: new Array(N_OBJS).fill(null) })),
  };
}

const fdKey = (a, s) => `A${a}.fd${s}`;
const objKey = (a, o) => `A${a}.obj${o}`;
const NEW = 'new'; // a file a lock object is about to open: not yet any OFD of the model

/** Every lock the model holds: [{ a, key, mode }]. */
function heldLocks(m) {
  const out = [];
  m.agents.forEach((ag, a) => {
    ag.fds.forEach((mode, s) => {
      if (mode === 'sh' || mode === 'ex') out.push({ a, key: fdKey(a, s), mode });
    });
    ag.objs.forEach((obj, o) => {
      if (obj && obj.held) out.push({ a, key: objKey(a, o), mode: obj.kind });
    });
  });
  return out;
}

/** Whether the OFD `self` may take `mode`: SH only meets SH, EX meets nothing; its own lock does not count. */
function compatible(m, mode, self) {
  return heldLocks(m).every((h) => h.key === self || (mode === 'sh' && h.mode === 'sh'));
}

/** Whether a lock object of agent `a` holds a lock that conflicts with `mode` (acquireSync's EDEADLK rule). */
function sameAgentObjectConflict(m, a, mode) {
  return m.agents[a].objs.some((obj) => obj && obj.held && !(mode === 'sh' && obj.kind === 'sh'));
}

/**
 * A lock request on plain fd slot s of agent a that is granted if compatible, else fails (non-blocking) or
 * times out / is aborted (blocking): the new state, and whether it was granted. A failed conversion drops.
 */
function fdRequest(m, a, s, mode) {
  const granted = compatible(m, mode, fdKey(a, s));
  m.agents[a].fds[s] = granted ? mode : 'none';
  return granted;
}

const isHeld = (obj) => Boolean(obj && obj.held);
const ok = (value = true) => ({ ok: value });
const err = (code) => ({ err: code });

/** What an agent's snapshot must say, from the model. */
function expectedSnap(m, a) {
  const ag = m.agents[a];
  return {
    fds: ag.fds.slice(),
    objs: ag.objs.map((obj) => obj && { kind: obj.kind, held: obj.held, mode: obj.held ? obj.kind : 'none' }),
    open: ag.fds.filter((f) => f !== null).length + ag.objs.filter(isHeld).length,
  };
}

// ---------------------------------------------------------------------------------------------------------
// The operations: for each kind, its arbitrary, when it applies (check), the model's prediction (predict
// mutates a copy of the model into the state after the step and returns the expected result) and how to print
// it; `execute()` below runs it.

const agentArb = fc.integer({ min: 0, max: N_AGENTS - 1 });
const fdArb = fc.integer({ min: 0, max: N_FDS - 1 });
const objArb = fc.integer({ min: 0, max: N_OBJS - 1 });
const modeArb = fc.constantFrom('sh', 'ex');

const fdOpen = (m, s) => m.agents[s.a].fds[s.s] !== null;
const fdStr = (s) => `A${s.a}.fd${s.s}`;
const objStr = (s) => `A${s.a}.obj${s.o}`;
const cls = (kind) => (kind === 'ex' ? 'ExclusiveLock' : 'SharedLock');
const tStr = (t) => (t === 'none' ? '' : t === 'inf' ? '{timeout:Infinity}' : `{timeout:${t}}`);
const opStr = (s, nb) => (s.bits ? `LOCK_${s.mode.toUpperCase()}${nb ? '|LOCK_NB' : ''}` : `'${s.mode}${nb ? 'nb' : ''}'`);
const fdArgStr = (s) => (s.h ? `{fd:${fdStr(s)}}` : fdStr(s));

/**
 * How a hand-off releases the OFD it picked (one that conflicts with the first wait): `drop` unlocks it
 * (unlock(fd), release()), `end` closes it (close(fd), release()), `convert` turns EX into SH (flockSync(fd,
 * 'shnb'), downgrade()) and, on an SH holder, unlocks. What is sent to its agent, and the effect on the model.
 */
function releaseAction(target, how) {
  const { a, fd, i, mode } = target;
  const action = (name, msg, apply) => ({ name, msg, apply, target });
  if (fd && how === 'convert' && mode === 'ex') {
    return action(`A${a}: flockSync(fd${i}, 'shnb')`, { op: 'nb', s: i, mode: 'sh', api: 'sync' }, (m) => { m.agents[a].fds[i] = 'sh'; });
  }
  if (fd && how === 'end') return action(`A${a}: close(fd${i})`, { op: 'close', s: i }, (m) => { m.agents[a].fds[i] = null; });
  if (fd) return action(`A${a}: unlock(fd${i})`, { op: 'un', s: i, api: 'unlock' }, (m) => { m.agents[a].fds[i] = 'none'; });
  if (how === 'convert' && mode === 'ex') {
    return action(`A${a}.obj${i}.downgrade()`, { op: 'oDown', o: i }, (m) => { m.agents[a].objs[i] = { kind: 'sh', held: true }; });
  }
  return action(`A${a}.obj${i}.release()`, { op: 'oRel', o: i }, (m) => { m.agents[a].objs[i].held = false; });
}

/**
 * The hand-off's release, picked from the model: the k-th (modulo) lock that conflicts with the first wait,
 * held by another OFD (of another agent when the waiting agent's thread is blocked); null when there is none.
 */
function pickRelease(m, s) {
  const w0 = s.waiters[0];
  const mode0 = w0.fd ? w0.mode : w0.kind;
  const self = w0.fd ? fdKey(s.a, w0.s) : NEW;
  const targets = [];
  m.agents.forEach((ag, a) => {
    if (s.sync && a === s.a) return;
    ag.fds.forEach((mode, i) => {
      if ((mode === 'sh' || mode === 'ex') && fdKey(a, i) !== self) targets.push({ a, fd: true, i, mode });
    });
    ag.objs.forEach((obj, i) => {
      if (isHeld(obj)) targets.push({ a, fd: false, i, mode: obj.kind });
    });
  });
  const conflicting = targets.filter((h) => !(mode0 === 'sh' && h.mode === 'sh'));
  return conflicting.length ? releaseAction(conflicting[s.k % conflicting.length], s.how) : null;
}

/** The locks of other OFDs that conflict with the request of a `worker` step on fd slot s of agent a. */
function conflictsOf(m, s) {
  const self = fdKey(s.a, s.s);
  return heldLocks(m).filter((h) => h.key !== self && !(s.mode === 'sh' && h.mode === 'sh')).map((h) => {
    const [, i] = /(?:fd|obj)(\d+)$/.exec(h.key);
    return { a: h.a, fd: h.key.includes('.fd'), i: Number(i), mode: h.mode };
  });
}

/**
 * What a `worker` step does: `held` when the model grants its request (terminated once it holds); otherwise its
 * wait is async and terminated while pending (`waiting`), or, when asked for and every conflicting lock is the
 * agent's own, the agent releases them and terminates the worker once the kernel granted the undelivered wait.
 */
function workerPlan(m, s) {
  if (compatible(m, s.mode, fdKey(s.a, s.s))) return 'held';
  return s.when === 'granted' && conflictsOf(m, s).every((h) => h.a === s.a) ? 'granted' : 'waiting';
}

/** The hand-off's outcomes, FIFO in the waiting agent: the state after the step, and each wait's result. */
function handoffOutcome(m, s, rel) {
  const w0 = s.waiters[0];
  if (w0.fd) m.agents[s.a].fds[w0.s] = 'none'; // its conflicting request dropped what it held
  rel.apply(m);
  return s.waiters.map((w) => {
    const mode = w.fd ? w.mode : w.kind;
    if (!compatible(m, mode, w.fd ? fdKey(s.a, w.s) : NEW)) return false;
    if (w.fd) m.agents[s.a].fds[w.s] = mode;
    else m.agents[s.a].objs[w.o] = { kind: w.kind, held: true };
    return true;
  });
}

const KINDS = {
  open: {
    weight: 6,
    arb: fc.record({ a: agentArb, s: fdArb }),
    check: (m, s) => !fdOpen(m, s),
    predict(m, s) {
      m.agents[s.a].fds[s.s] = 'none';
      return ok();
    },
    str: (s) => `${fdStr(s)} = open(file)`,
  },
  close: {
    weight: 2,
    arb: fc.record({ a: agentArb, s: fdArb }),
    check: fdOpen,
    predict(m, s) {
      m.agents[s.a].fds[s.s] = null;
      return ok();
    },
    str: (s) => `close(${fdStr(s)})`,
  },
  try: {
    weight: 4,
    arb: fc.record({ a: agentArb, s: fdArb, mode: modeArb, h: fc.boolean(), opt: fc.boolean() }),
    check: fdOpen,
    predict: (m, s) => ok(fdRequest(m, s.a, s.s, s.mode)),
    str: (s) => `A${s.a}: tryLock(${fdArgStr(s)}${s.mode === 'sh' ? ', {shared:true}' : s.opt ? ', {shared:false}' : ''})`,
  },
  nb: {
    weight: 4,
    arb: fc.record({ a: agentArb, s: fdArb, mode: modeArb, api: fc.constantFrom('sync', 'async'), bits: fc.boolean(), h: fc.boolean() }),
    check: fdOpen,
    predict: (m, s) => (fdRequest(m, s.a, s.s, s.mode) ? ok() : err('EAGAIN')),
    str: (s) => `A${s.a}: ${s.api === 'sync' ? 'flockSync' : 'await flock'}(${fdArgStr(s)}, ${opStr(s, true)})`,
  },
  un: {
    weight: 3,
    arb: fc.record({ a: agentArb, s: fdArb, api: fc.constantFrom('unlock', 'sync', 'bits', 'async', 'asyncbits'), h: fc.boolean() }),
    check: fdOpen,
    predict(m, s) {
      m.agents[s.a].fds[s.s] = 'none';
      return ok();
    },
    str: (s) => {
      const call = { unlock: 'unlock(#)', sync: "flockSync(#, 'un')", bits: 'flockSync(#, LOCK_UN|LOCK_NB)', async: "await flock(#, 'un')", asyncbits: 'await flock(#, LOCK_UN)' }[s.api];
      return `A${s.a}: ${call.replace('#', fdArgStr(s))}`;
    },
  },
  wait: {
    weight: 5,
    arb: fc.record({ a: agentArb, s: fdArb, mode: modeArb, api: fc.constantFrom('sync', 'async'), t: fc.constantFrom(0, SHORT, SHORT, 'none', 'inf'), bits: fc.boolean(), h: fc.boolean() }),
    // A wait without a timeout is issued only when the model grants it: otherwise nothing would end it.
    check: (m, s) => fdOpen(m, s) && (typeof s.t === 'number' || compatible(m, s.mode, fdKey(s.a, s.s))),
    predict: (m, s) => (fdRequest(m, s.a, s.s, s.mode) ? ok() : err('ETIMEDOUT')),
    str: (s) => `A${s.a}: ${s.api === 'sync' ? 'flockSync' : 'await flock'}(${fdArgStr(s)}, ${opStr(s, false)}${s.t === 'none' ? '' : `, ${tStr(s.t)}`})`,
  },
  abort: {
    weight: 3,
    arb: fc.record({ a: agentArb, s: fdArb, mode: modeArb, when: fc.constantFrom('pre', 'sync', 'later'), bits: fc.boolean(), h: fc.boolean() }),
    check: fdOpen,
    predict(m, s) {
      if (s.when === 'pre') return err('ABORT_ERR'); // rejects at once without touching the lock
      return fdRequest(m, s.a, s.s, s.mode) ? ok() : err('ABORT_ERR');
    },
    str: (s) => `A${s.a}: await flock(${fdArgStr(s)}, ${opStr(s, false)}, {signal}) aborted ${{ pre: 'before the call', sync: 'right after the call', later: 'after 5 ms' }[s.when]}`,
  },
  oTry: {
    weight: 4,
    arb: fc.record({ a: agentArb, o: objArb, kind: modeArb, api: fc.constantFrom('sync', 'async') }),
    check: (m, s) => !isHeld(m.agents[s.a].objs[s.o]),
    predict(m, s) {
      if (!compatible(m, s.kind, NEW)) return ok(false);
      m.agents[s.a].objs[s.o] = { kind: s.kind, held: true };
      return ok(true);
    },
    str: (s) => `${objStr(s)} = ${s.api === 'sync' ? '' : 'await '}${cls(s.kind)}.${s.api === 'sync' ? 'tryAcquireSync' : 'tryAcquire'}(file)`,
  },
  oAcq: {
    weight: 4,
    arb: fc.record({ a: agentArb, o: objArb, kind: modeArb, api: fc.constantFrom('sync', 'async'), t: fc.constantFrom(0, SHORT, SHORT, 'none', 'inf') }),
    check(m, s) {
      if (isHeld(m.agents[s.a].objs[s.o])) return false;
      if (typeof s.t === 'number' || compatible(m, s.kind, NEW)) return true;
      return s.api === 'sync' && sameAgentObjectConflict(m, s.a, s.kind); // EDEADLK at once
    },
    predict(m, s) {
      if (!compatible(m, s.kind, NEW)) return err(typeof s.t === 'number' ? 'ETIMEDOUT' : 'EDEADLK');
      m.agents[s.a].objs[s.o] = { kind: s.kind, held: true };
      return ok();
    },
    str: (s) => `${objStr(s)} = ${s.api === 'sync' ? '' : 'await '}${cls(s.kind)}.${s.api === 'sync' ? 'acquireSync' : 'acquire'}(file${s.t === 'none' ? '' : `, ${tStr(s.t)}`})`,
  },
  oAbort: {
    weight: 2,
    arb: fc.record({ a: agentArb, o: objArb, kind: modeArb, when: fc.constantFrom('pre', 'sync', 'later') }),
    check: (m, s) => !isHeld(m.agents[s.a].objs[s.o]),
    predict(m, s) {
      if (s.when === 'pre' || !compatible(m, s.kind, NEW)) return err('ABORT_ERR');
      m.agents[s.a].objs[s.o] = { kind: s.kind, held: true };
      return ok();
    },
    str: (s) => `${objStr(s)} = await ${cls(s.kind)}.acquire(file, {signal}) aborted ${{ pre: 'before the call', sync: 'right after the call', later: 'after 5 ms' }[s.when]}`,
  },
  oRel: {
    weight: 3,
    arb: fc.record({ a: agentArb, o: objArb }),
    check: (m, s) => m.agents[s.a].objs[s.o] !== null,
    predict(m, s) {
      m.agents[s.a].objs[s.o].held = false; // idempotent on a released object
      return ok();
    },
    str: (s) => `${objStr(s)}.release()`,
  },
  oDown: {
    weight: 2,
    arb: fc.record({ a: agentArb, o: objArb }),
    check: (m, s) => m.agents[s.a].objs[s.o]?.kind === 'ex',
    predict(m, s) {
      if (!m.agents[s.a].objs[s.o].held) return err('ERR_INVALID_STATE');
      m.agents[s.a].objs[s.o] = { kind: 'sh', held: true };
      return ok();
    },
    str: (s) => `${objStr(s)} = ${objStr(s)}.downgrade()`,
  },
  oUp: {
    weight: 3,
    arb: fc.record({ a: agentArb, o: objArb, how: fc.constantFrom(0, SHORT, SHORT, 'none', 'inf', 'pre', 'sync', 'later') }),
    check(m, s) {
      const obj = m.agents[s.a].objs[s.o];
      if (obj?.kind !== 'sh') return false;
      return !obj.held || !['none', 'inf'].includes(s.how) || compatible(m, 'ex', objKey(s.a, s.o));
    },
    predict(m, s) {
      const obj = m.agents[s.a].objs[s.o];
      if (!obj.held) return err('ERR_INVALID_STATE');
      const abort = ['pre', 'sync', 'later'].includes(s.how);
      // The shared lock is released first, whatever the outcome; the exclusive one is then a new request.
      const granted = s.how !== 'pre' && compatible(m, 'ex', objKey(s.a, s.o));
      m.agents[s.a].objs[s.o] = granted ? { kind: 'ex', held: true } : { kind: 'sh', held: false };
      return granted ? ok() : err(abort ? 'ABORT_ERR' : 'ETIMEDOUT');
    },
    str: (s) => {
      const abort = ['pre', 'sync', 'later'].includes(s.how);
      const opts = abort ? `{signal}) aborted ${{ pre: 'before the call', sync: 'right after the call', later: 'after 5 ms' }[s.how]}` : `${tStr(s.how)})`;
      return `${objStr(s)} = await ${objStr(s)}.upgrade(${opts}`;
    },
  },
  withLock: {
    weight: 1,
    arb: fc.record({ a: agentArb, kind: modeArb, t: fc.constantFrom(0, SHORT) }),
    check: () => true,
    predict: (m, s) => (compatible(m, s.kind, NEW) ? ok({ held: true, shared: s.kind === 'sh' }) : err('ETIMEDOUT')),
    str: (s) => `A${s.a}: await withLock(file, fn, {shared:${s.kind === 'sh'}, timeout:${s.t}})`,
  },
  handoff: {
    weight: 4,
    arb: fc.record({
      a: agentArb,
      waiters: fc.array(
        fc.oneof(
          fc.record({ fd: fc.constant(true), s: fdArb, mode: modeArb, bits: fc.boolean() }),
          fc.record({ fd: fc.constant(false), o: objArb, kind: modeArb }),
        ),
        { minLength: 1, maxLength: 2 },
      ),
      sync: fc.option(fc.constantFrom('t', 'none'), { nil: null, freq: 3 }),
      k: fc.nat({ max: 7 }),
      how: fc.constantFrom('drop', 'end', 'convert'),
    }),
    check(m, s) {
      const ag = m.agents[s.a];
      const seen = new Set();
      for (const [n, w] of s.waiters.entries()) {
        const key = w.fd ? fdKey(s.a, w.s) : objKey(s.a, w.o);
        if (seen.has(key)) return false;
        seen.add(key);
        if (w.fd && (ag.fds[w.s] === null || (n > 0 && ag.fds[w.s] !== 'none'))) return false;
        if (!w.fd && isHeld(ag.objs[w.o])) return false;
      }
      const w0 = s.waiters[0];
      if (compatible(m, w0.fd ? w0.mode : w0.kind, w0.fd ? fdKey(s.a, w0.s) : NEW)) return false; // no hand-off
      if (s.sync && s.waiters.length > 1) return false; // its thread is blocked in the first
      if (s.sync && !w0.fd && s.sync === 'none' && sameAgentObjectConflict(m, s.a, w0.kind)) return false; // EDEADLK
      const rel = pickRelease(m, s);
      if (!rel) return false;
      if (s.sync) return handoffOutcome(structuredClone(m), s, rel)[0]; // a blocked thread must be granted
      return true;
    },
    predict(m, s) {
      const outcomes = handoffOutcome(m, s, pickRelease(m, s));
      return ok({ release: ok(), waits: outcomes.map((g) => (g ? ok() : err('ETIMEDOUT'))) });
    },
    str: (s) => {
      const waits = s.waiters.map((w) => {
        if (s.sync) {
          const t = s.sync === 't' ? `, {timeout:${LONG}}` : '';
          return w.fd ? `flockSync(${fdStr({ a: s.a, s: w.s })}, ${opStr(w, false)}${t})` : `${objStr({ a: s.a, o: w.o })} = ${cls(w.kind)}.acquireSync(file${t})`;
        }
        return w.fd ? `flock(${fdStr({ a: s.a, s: w.s })}, ${opStr(w, false)}, {timeout})` : `${objStr({ a: s.a, o: w.o })} = ${cls(w.kind)}.acquire(file, {timeout})`;
      });
      return `handoff: A${s.a} waits [${waits.join('; ')}], then lock no. ${s.k} (modulo) in its way is released (${s.how})`;
    },
  },
  worker: {
    weight: 1,
    arb: fc.record({ a: agentArb, s: fdArb, mode: modeArb, api: fc.constantFrom('sync', 'async'), when: fc.constantFrom('waiting', 'granted') }),
    check: fdOpen,
    predict(m, s) {
      const plan = workerPlan(m, s);
      if (plan === 'granted') for (const h of conflictsOf(m, s)) releaseAction(h, 'drop').apply(m);
      m.agents[s.a].fds[s.s] = plan === 'held' ? s.mode : 'none'; // a terminated worker's wait leaves nothing
      return ok(plan);
    },
    str: (s) => `A${s.a}: a worker is lent ${fdStr(s)}, ${s.api === 'sync' ? 'flockSync' : 'flock'}(fd, '${s.mode}') in it, then ` +
      'terminate() once it holds, or while its wait is pending, or (when the agent can release what is in the way) ' +
      'once the kernel has granted a wait that its busy thread could not take',
  },
  probe: {
    weight: 1,
    arb: fc.constant({}),
    check: () => true,
    predict: (m) => {
      const locks = heldLocks(m);
      return ok({ sh: locks.every((h) => h.mode === 'sh'), ex: locks.length === 0 });
    },
    str: () => 'probe: a fresh fd of the test process tries SH, then EX',
  },
};

// ---------------------------------------------------------------------------------------------------------
// The real system: the agents, and the checks after each step

class Agent {
  constructor(file, index) {
    this.file = file;
    this.index = index;
    this.child = null;
  }

  async start() {
    this.inbox = [];
    this.waiting = [];
    this.broken = false;
    this.dead = null;
    const child = fork(FIXTURE, [this.file, String(N_FDS), String(N_OBJS)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child = child;
    this.exited = once(child, 'exit');
    child.on('message', (msg) => (this.waiting.length ? this.waiting.shift().resolve(msg) : this.inbox.push(msg)));
    child.on('exit', (code, signal) => {
      this.dead = `agent A${this.index} exited (${code ?? signal})`;
      for (const w of this.waiting.splice(0)) w.reject(new Error(this.dead));
    });
    const ready = await this.next(15_000);
    this.pid = ready.pid;
  }

  /** The next message, in order; an agent that stays silent too long is marked broken. */
  next(ms = REPLY_MS) {
    if (this.inbox.length) return Promise.resolve(this.inbox.shift());
    if (this.dead) return Promise.reject(new Error(this.dead));
    return new Promise((resolve, reject) => {
      const entry = {
        resolve: (msg) => { clearTimeout(timer); resolve(msg); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(entry), 1);
        this.broken = true;
        reject(new Error(`agent A${this.index} (pid ${this.pid}) did not answer within ${ms} ms`));
      }, ms);
      this.waiting.push(entry);
    });
  }

  post(msg) {
    if (this.dead) throw new Error(this.dead);
    this.child.send(msg);
  }

  call(msg, ms) {
    this.post(msg);
    return this.next(ms);
  }

  async stop() {
    if (!this.child || this.dead) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

const stats = { programs: 0, ops: 0, byKind: {}, outcomes: {}, respawns: 0, failures: 0 };

function count(map, key) {
  map[key] = (map[key] || 0) + 1;
}

class Real {
  constructor(file) {
    this.file = file;
    this.agents = Array.from({ length: N_AGENTS }, (_, i) => new Agent(file, i));
  }

  async start() {
    await Promise.all(this.agents.map((ag) => ag.start()));
  }

  async stop() {
    await Promise.all(this.agents.map((ag) => ag.stop()));
  }

  /** Between programs: every agent closes everything (a broken one is replaced); then nothing may be held. */
  async reset() {
    for (const ag of this.agents) {
      let fine = !ag.broken && !ag.dead;
      if (fine) {
        try {
          const reply = await ag.call({ op: 'reset' }, 5000);
          fine = reply.result && reply.result.ok === true && reply.snap.open === 0;
        } catch {
          fine = false;
        }
      }
      if (!fine) {
        stats.respawns++;
        await ag.stop();
        await ag.start();
      }
    }
    const left = flock.holders(this.file);
    if (left.length !== 0) throw new Error(`locks left after every agent closed everything: ${util.inspect(left)}`);
  }

  pids() {
    return this.agents.map((ag) => ag.pid);
  }
}

/** A fresh fd of this process tries SH, then EX, and closes. */
function probe(file) {
  const fd = fs.openSync(file, 'r+');
  try {
    const sh = flock.tryLock(fd, { shared: true });
    if (sh) flock.unlock(fd);
    const ex = flock.tryLock(fd);
    return { sh, ex };
  } finally {
    fs.closeSync(fd);
  }
}

const byPidMode = (x, y) => x.pid - y.pid || x.mode.localeCompare(y.mode);

function expectedHolders(m, pids) {
  return heldLocks(m).map((h) => ({ pid: pids[h.a], mode: h.mode === 'sh' ? 'shared' : 'exclusive' })).sort(byPidMode);
}

const stripMessage = (r) => (r && 'err' in r ? { err: r.err } : r);

function fail(step, what, expected, observed, model) {
  throw new Error(
    `${what} differs from the model after step "${step}":\n  expected ${util.inspect(expected, { depth: 5, breakLength: Infinity })}\n  observed ${util.inspect(observed, { depth: 5, breakLength: Infinity })}\n  model before the step: ${util.inspect(model, { depth: 5, breakLength: Infinity })}`,
  );
}

/** Runs one step on the real system: its result and the final snapshot of every agent it touched. */
async function execute(real, spec) {
  const ag = (i) => real.agents[i];
  const { op, ...fields } = spec;
  switch (op) {
    case 'probe':
      return { result: ok(probe(real.file)), snaps: {} };
    case 'handoff': {
      const waiting = ag(spec.a);
      const rel = pickRelease(spec.model, spec);
      const releaser = ag(rel.target.a);
      const outcomes = handoffOutcome(structuredClone(spec.model), spec, rel);
      const relMsg = rel.msg;
      let waits;
      let release;
      let final;
      if (spec.sync) {
        const w = spec.waiters[0];
        waiting.post({ op: 'syncWait', waiter: { ...w, t: spec.sync === 't' ? LONG : 'none' } });
        // The agent says it is about to block; a late ack (not flushed before its thread blocked) changes nothing
        // but the timing: the release then comes a little later, and the wait is granted all the same.
        const acked = waiting.next();
        const ack = await Promise.race([acked, delay(1000, null)]);
        if (ack && !ack.ack) return { result: { unexpected: ack }, snaps: {} };
        release = await releaser.call(relMsg);
        if (!ack) await acked;
        final = await waiting.next();
        waits = [final.result];
      } else {
        const waiters = spec.waiters.map((w, n) => ({ ...w, t: outcomes[n] ? LONG : SHORT }));
        const started = await waiting.call({ op: 'startWaits', waiters });
        if (!started.result.ok) return { result: { startWaits: started.result }, snaps: {} };
        release = await releaser.call(relMsg);
        final = await waiting.call({ op: 'awaitWaits' });
        waits = final.result.ok || [final.result];
      }
      const snaps = { [spec.a]: final.snap };
      if (rel.target.a !== spec.a) snaps[rel.target.a] = release.snap;
      return { result: ok({ release: stripMessage(release.result), waits: waits.map(stripMessage) }), raw: { release, final }, snaps };
    }
    case 'worker': {
      const plan = workerPlan(spec.model, spec);
      const releases = plan === 'granted' ? conflictsOf(spec.model, spec).map((h) => releaseAction(h, 'drop').msg) : [];
      const reply = await ag(spec.a).call({ op, s: spec.s, mode: spec.mode, api: spec.api, plan, releases });
      return { result: reply.result, snaps: { [spec.a]: reply.snap } };
    }
    default: {
      const reply = await ag(spec.a).call({ op, ...fields });
      return { result: reply.result, snaps: { [spec.a]: reply.snap } };
    }
  }
}

class Step {
  constructor(spec) {
    this.spec = spec;
  }

  check(m) {
    return KINDS[this.spec.op].check(m, this.spec);
  }

  async run(m, real) {
    const before = structuredClone(m);
    const next = structuredClone(m);
    const expected = KINDS[this.spec.op].predict(next, this.spec);
    stats.ops++;
    const s = this.spec;
    count(stats.byKind, s.op === 'handoff' ? `handoff(${s.sync ? 'sync' : `${s.waiters.length} async`})` : s.op);
    const spec = ['handoff', 'worker'].includes(this.spec.op) ? { ...this.spec, model: before } : this.spec;
    const observed = await execute(real, spec);
    const result = observed.result;
    const name = this.spec.op === 'handoff' ? `${this} [released: ${pickRelease(before, this.spec).name}]` : String(this);
    count(stats.outcomes, result && 'err' in result ? result.err : 'ok');
    if (this.spec.op === 'worker') count(stats.outcomes, `worker ${result.ok}`);
    if (this.spec.op === 'handoff') for (const w of result.ok?.waits ?? []) count(stats.outcomes, `handoff wait ${w.err ?? 'granted'}`);
    if (!util.isDeepStrictEqual(stripMessage(result), expected)) fail(name, 'the result', expected, result, before);
    for (const [a, snap] of Object.entries(observed.snaps)) {
      const want = expectedSnap(next, Number(a));
      if (!util.isDeepStrictEqual(snap, want)) fail(name, `agent A${a}'s kernel state`, want, snap, before);
    }
    const holders = flock.holders(real.file).sort(byPidMode);
    const want = expectedHolders(next, real.pids());
    if (!util.isDeepStrictEqual(holders, want)) fail(name, `holders(file) (agent pids ${real.pids().join(', ')})`, want, holders, before);
    m.agents = next.agents;
  }

  toString() {
    return KINDS[this.spec.op].str(this.spec);
  }
}

const stepArb = fc.oneof(
  ...Object.entries(KINDS).map(([kind, k]) => ({ weight: k.weight, arbitrary: k.arb.map((fields) => new Step({ ...fields, op: kind })) })),
);

// ---------------------------------------------------------------------------------------------------------

test('random programs over 3 processes agree with a model of flock(2)', { timeout: 290_000 }, async (t) => {
  if (process.platform !== 'linux') return t.skip('the model checks the kernel through /proc (Linux only)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-flock-model-'));
  const file = path.join(dir, 'model.lock');
  fs.writeFileSync(file, '');
  const real = new Real(file);
  t.after(async () => {
    await real.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  await real.start();

  const seed = process.env.MODEL_SEED !== undefined ? Number(process.env.MODEL_SEED) : Math.floor(Math.random() * 2 ** 31);
  const params = { seed, numRuns: NUM_RUNS, includeErrorInReport: true, plugins: [fc.interruptAfterTimeLimit(TIME_LIMIT_MS)] };
  if (process.env.MODEL_PATH) Object.assign(params, { path: process.env.MODEL_PATH, endOnFailure: true });
  t.diagnostic(`seed ${seed} (replay: MODEL_SEED=${seed} node --test test/stress/model.test.js)`);
  const verbose = process.env.MODEL_VERBOSE === '1';

  let model = null;
  const setup = async () => {
    await real.reset();
    model = emptyModel();
    return { model, real };
  };
  const started = performance.now();
  const property = fc.asyncProperty(fc.commands([stepArb], { maxCommands: MAX_COMMANDS, size: 'max', replayPath: process.env.MODEL_REPLAY }), async (cmds) => {
    stats.programs++;
    try {
      await fc.asyncModelRun(setup, cmds);
      // The end of every program: the kernel itself, seen from a process with no locks of its own.
      const want = KINDS.probe.predict(model).ok;
      const seen = probe(file);
      if (!util.isDeepStrictEqual(seen, want)) throw new Error(`final probe: expected ${util.inspect(want)}, observed ${util.inspect(seen)}`);
    } catch (e) {
      stats.failures++;
      throw e;
    } finally {
      if (verbose) t.diagnostic(`program ${stats.programs}: ${String(cmds)}`);
    }
  });
  try {
    await fc.assert(property, params);
  } catch (e) {
    const text = String(e.message);
    const where = /\{ seed: (-?\d+), path: "([^"]*)"/.exec(text);
    const replay = /replayPath="([^"]*)"/.exec(text);
    const program = /^Counterexample: \[(.*?)(?: \/\*replayPath=.*)?\]$/m.exec(text);
    t.diagnostic(`FAILED with seed ${seed}; the shrunk program, one step per line:`);
    if (program) for (const step of program[1].split(/,(?=A\d|handoff|probe)/)) t.diagnostic(`  ${step}`);
    if (where) t.diagnostic(`replay: MODEL_SEED=${where[1]} MODEL_PATH='${where[2]}'${replay ? ` MODEL_REPLAY='${replay[1]}'` : ''} node --test test/stress/model.test.js`);
    throw e;
  } finally {
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    t.diagnostic(`${stats.programs} programs, ${stats.ops} operations (${(stats.ops / Math.max(1, stats.programs)).toFixed(1)} per program) in ${secs} s over ${N_AGENTS} agent processes (+${stats.respawns} respawned) and the test process; ${N_FDS} fds + ${N_OBJS} lock objects per agent, one lock file`);
    if (stats.failures) t.diagnostic(`${stats.failures} of these programs failed (the first one, then the failing shrinks)`);
    else if (stats.programs < NUM_RUNS) t.diagnostic(`interrupted after ${TIME_LIMIT_MS / 1000} s: ${stats.programs} of ${NUM_RUNS} programs ran`);
    t.diagnostic(`operations by kind: ${JSON.stringify(stats.byKind)}`);
    t.diagnostic(`outcomes: ${JSON.stringify(stats.outcomes)}`);
  }
  if (process.env.MODEL_PATH === undefined && NUM_RUNS >= 200 && stats.programs >= NUM_RUNS) {
    // Not vacuous: the programs reached the interesting outcomes.
    for (const outcome of ['ok', 'EAGAIN', 'ETIMEDOUT', 'ABORT_ERR', 'ERR_INVALID_STATE', 'handoff wait granted', 'worker held', 'worker waiting', 'worker granted']) {
      assert.ok(stats.outcomes[outcome] > 0, `no operation ended with ${outcome}: ${JSON.stringify(stats.outcomes)}`);
    }
  }
});
