// Scenario 4: wake-up latency. One process holds the lock while another waits for it; the holder keeps it
// 2-4 ms more on a timer, stamps CLOCK_MONOTONIC and releases; the waiter stamps the same clock when its
// promise resolves. Both stamps are process.hrtime.bigint(), system-wide on Linux. IPC only orders the steps,
// and is quiet while the waiter wakes. The raw wait floor (adapters/floor.js) is the cheapest such wait: a new
// thread blocked in flock(2) resolving a promise through a thread-safe function.
'use strict';
const { agentState, eachAdapter, delay } = require('./common');
const { percentile, now } = require('../lib/stats');

const state = agentState();
const release = (a, h) => (a.unlockSync ? a.unlockSync(h) : a.unlock(h));

const agent = {
  open({ adapter, file }) {
    state.open(adapter, file);
  },
  async hold() {
    await state.a.lock(state.handles[0]);
  },
  // Answers at once and releases later, so no IPC traffic competes with the waiter at the moment it wakes.
  release({ holdUs }) {
    state.released = delay((holdUs + Math.random() * holdUs) / 1000).then(async () => {
      const t0 = now();
      await release(state.a, state.handles[0]);
      return t0;
    });
  },
  releasedAt() {
    return state.released;
  },
  startWait() {
    const { a, handles: [h] } = state;
    state.granted = a.lock(h).then(async () => {
      const t1 = now();
      await release(a, h);
      return t1;
    });
  },
  awaitGrant() {
    return state.granted;
  },
};

async function run(ctx) {
  const { samples, holdUs, budgetMs } = ctx.config.wakeup;
  const title = '4. Wake-up latency: release in one process to resolved promise in another';
  ctx.log(title);
  const file = ctx.file('wakeup');
  const k = ctx.kernel('handoff', file, samples, holdUs).latencyNs;
  const stats = (xs) => ({ p50: percentile(xs, 50), p99: percentile(xs, 99), max: Math.max(...xs), samples: xs.length });
  const floor = { ...ctx.floor, name: 'raw wait floor' }; // the same addon, named for what is measured here
  const rows = await eachAdapter(ctx, async (a) => {
    const holder = await ctx.spawnAgent();
    const waiter = await ctx.spawnAgent();
    try {
      await holder.call('wakeup', 'open', { adapter: a.id, file });
      await waiter.call('wakeup', 'open', { adapter: a.id, file });
      const xs = [];
      const deadline = Date.now() + budgetMs;
      while (xs.length < samples && (xs.length < 3 || Date.now() < deadline)) {
        await holder.call('wakeup', 'hold');
        await waiter.call('wakeup', 'startWait');
        await holder.call('wakeup', 'release', { holdUs });
        const t1 = await waiter.call('wakeup', 'awaitGrant');
        xs.push(t1 - (await holder.call('wakeup', 'releasedAt')));
      }
      return stats(xs);
    } finally {
      await Promise.all([holder.stop(), waiter.stop()]);
    }
  }, { adapters: [floor, ...ctx.adapters] });
  return [{
    id: 'wakeup',
    title,
    columns: [
      { key: 'p50', label: 'p50', unit: 'ns' },
      { key: 'p99', label: 'p99', unit: 'ns' },
      { key: 'max', label: 'max', unit: 'ns' },
      { key: 'samples', label: 'samples', unit: 'n' },
    ],
    primary: { key: 'p50', better: 'lower' },
    kernel: { impl: 'kernel (C)', ...stats(k) },
    rows,
  }];
}

module.exports = { run, agent };
