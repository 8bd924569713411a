// Scenario 9: the named-lock layers. (a) Hand-off latency of a Semaphore slot (4 slots, all held by another
// process, one given back) beside a plain ExclusiveLock's wake-up, measured alike in the same run: release in one
// process to resolved promise in the other. (b) What withLock's reentrancy costs on the uncontended path:
// withLock(path, fn) against withLock(path, fn, { reentrant: false }) and a joined inner withLock, round-robin.
'use strict';
const path = require('node:path');
const { delay } = require('./common');
const { median, percentile, now } = require('../lib/stats');

const lib = () => require(path.join(__dirname, '..', '..'));
const SLOTS = 4;
const state = {};

const agent = {
  async hold({ kind, file }) {
    const { ExclusiveLock, Semaphore } = lib();
    state.held = kind === 'lock' ? [await ExclusiveLock.acquire(file)] : await Promise.all(Array.from({ length: SLOTS }, () => Semaphore.acquire(file, { slots: SLOTS })));
  },
  // Answers at once and gives one back later, so no IPC traffic competes with the waiter as it wakes.
  release({ holdUs }) {
    state.released = delay((holdUs + Math.random() * holdUs) / 1000).then(() => {
      const t0 = now();
      state.held[state.held.length - 1].release();
      return t0;
    });
  },
  async releaseAll() {
    const t0 = await state.released;
    for (const h of state.held) h.release();
    return t0;
  },
  startWait({ kind, file }) {
    const { ExclusiveLock, Semaphore } = lib();
    state.granted = (kind === 'lock' ? ExclusiveLock.acquire(file) : Semaphore.acquire(file, { slots: SLOTS })).then((held) => {
      const t1 = now();
      held.release();
      return t1;
    });
  },
  awaitGrant() {
    return state.granted;
  },
  async sample({ how, file, sampleMs }) {
    const { withLock } = lib();
    const span = sampleMs * 1e6;
    const fn = how === 'joined' ? () => withLock(file, () => 1) : () => 1;
    const options = how === 'reentrant: false' ? { reentrant: false } : undefined;
    const start = now();
    let n = 0;
    let t;
    do {
      for (let i = 0; i < 16; i++) await withLock(file, fn, options);
      n += 16;
    } while ((t = now()) - start < span);
    return (t - start) / n;
  },
};

async function handoff(ctx) {
  const { samples, holdUs, budgetMs } = ctx.config.wakeup;
  const title = `9a. Semaphore slot hand-off (${SLOTS} slots, all held; one given back) beside a plain lock's wake-up`;
  ctx.log(title);
  const rows = [];
  for (const [kind, impl] of [['lock', 'fs-flock ExclusiveLock'], ['slot', `fs-flock Semaphore, ${SLOTS} slots`]]) {
    const file = ctx.file(`named-${kind}`);
    const holder = await ctx.spawnAgent();
    const waiter = await ctx.spawnAgent();
    try {
      const xs = [];
      const deadline = Date.now() + budgetMs;
      while (xs.length < samples && (xs.length < 3 || Date.now() < deadline)) {
        await holder.call('named', 'hold', { kind, file });
        await waiter.call('named', 'startWait', { kind, file });
        await holder.call('named', 'release', { holdUs });
        const t1 = await waiter.call('named', 'awaitGrant');
        xs.push(t1 - (await holder.call('named', 'releaseAll')));
      }
      rows.push({ impl, p50: percentile(xs, 50), p99: percentile(xs, 99), samples: xs.length });
    } catch (err) {
      rows.push({ impl, error: err.message });
    } finally {
      await Promise.all([holder.stop(), waiter.stop()]);
    }
  }
  return {
    id: 'slot-handoff',
    title,
    columns: [
      { key: 'p50', label: 'p50', unit: 'ns' },
      { key: 'p99', label: 'p99', unit: 'ns' },
      { key: 'samples', label: 'samples', unit: 'n' },
    ],
    primary: { key: 'p50', better: 'lower' },
    compare: false,
    rows,
  };
}

async function reentrancy(ctx) {
  const { samples, sampleMs } = ctx.config.roundTrip;
  const title = '9b. withLock on a path, uncontended: what reentrancy costs';
  ctx.log(title);
  const hows = ['reentrant: false', 'reentrant (default)', 'joined'];
  const runs = [];
  for (const how of hows) runs.push({ how, agent: await ctx.spawnAgent(), file: ctx.file(`reentrancy-${runs.length}`), xs: [] });
  try {
    for (let s = -1; s < samples; s++) {
      for (const r of runs) {
        const x = await r.agent.call('named', 'sample', { how: r.how, file: r.file, sampleMs });
        if (s >= 0) r.xs.push(x);
      }
    }
  } finally {
    await Promise.all(runs.map((r) => r.agent.stop()));
  }
  const base = median(runs[0].xs);
  return {
    id: 'reentrancy',
    title,
    columns: [
      { key: 'median', label: 'median per call', unit: 'ns' },
      { key: 'ratio', label: '÷ reentrant: false', unit: 'ratio' },
    ],
    primary: { key: 'median', better: 'lower' },
    compare: false,
    rows: runs.map((r) => ({ impl: r.how === 'joined' ? 'withLock inside withLock (joins)' : `withLock, ${r.how}`, median: median(r.xs), ratio: median(r.xs) / base })),
  };
}

async function run(ctx) {
  return [await handoff(ctx), await reentrancy(ctx)];
}

module.exports = { run, agent };
