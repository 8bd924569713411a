// Scenario 7: N concurrent waiters in one process, each on its own open file, while another process holds the
// lock. Measures extra OS threads and RSS while they wait, and the time from the release until every waiter
// has been granted the lock in turn (each releases it at once). Bounded: a slow run reports how many it got.
'use strict';
const { agentState, holdWith, eachAdapter, processUsage, delay } = require('./common');
const { now } = require('../lib/stats');

const state = agentState();

const agent = {
  hold: holdWith(state),
  release() {
    const t0 = now();
    state.a.unlockSync ? state.a.unlockSync(state.handles[0]) : state.a.unlock(state.handles[0]);
    return t0;
  },
  async start({ adapter, file, count }) {
    state.open(adapter, file, count);
    const { a, handles } = state;
    const base = processUsage();
    state.granted = 0;
    state.peak = { ...base };
    state.all = new Promise((resolve) => {
      for (const h of handles) {
        a.lock(h).then(async () => {
          await (a.unlockSync ? a.unlockSync(h) : a.unlock(h));
          if (++state.granted === count) resolve(now());
        }, (err) => { state.error = err.message; });
      }
    });
    await delay(200); // every wait submitted; threads (where a library makes them) reach the kernel
    const waiting = processUsage();
    state.sampler = setInterval(() => {
      const u = processUsage();
      state.peak = { threads: Math.max(state.peak.threads, u.threads), rssBytes: Math.max(state.peak.rssBytes, u.rssBytes) };
    }, 20);
    return { base, waiting };
  },
  async finish({ boundMs }) {
    const t1 = await Promise.race([state.all, delay(boundMs).then(() => null)]);
    clearInterval(state.sampler);
    return { t1, granted: state.granted, peak: state.peak, error: state.error };
  },
};

async function run(ctx) {
  const { count, boundMs, peerBoundMs } = ctx.config.waiters;
  const title = `7. ${count} concurrent waiters in one process`;
  ctx.log(title);
  const file = ctx.file('waiters');
  const rows = await eachAdapter(ctx, async (a) => {
    const holder = await ctx.spawnAgent();
    const many = await ctx.spawnAgent();
    const bound = a.name === 'fs-flock' ? boundMs : peerBoundMs;
    // A polling peer with thousands of waiters can saturate its own event loop and pool so far that the agent
    // stops answering at all: give every call a bound, and report that instead of hanging the whole run.
    const call = (fn, args) => Promise.race([
      many.call('waiters', fn, args),
      delay(bound + 10_000).then(() => { throw new Error(`the waiting process did not answer within ${bound + 10_000} ms (its event loop or pool is saturated)`); }),
    ]);
    try {
      await holder.call('waiters', 'hold', { adapter: a.id, file });
      const { base, waiting } = await call('start', { adapter: a.id, file, count });
      const t0 = await holder.call('waiters', 'release');
      const { t1, granted, peak, error } = await call('finish', { boundMs: bound });
      if (error) throw new Error(error);
      const top = { threads: Math.max(waiting.threads, peak.threads), rssBytes: Math.max(waiting.rssBytes, peak.rssBytes) };
      return {
        extraThreads: top.threads - base.threads,
        extraRss: top.rssBytes - base.rssBytes,
        grantAll: t1 === null ? `${granted} of ${count} granted after ${bound} ms` : t1 - t0,
        perGrant: t1 === null ? null : (t1 - t0) / count,
      };
    } finally {
      await Promise.all([holder.stop('SIGKILL'), many.stop('SIGKILL')]);
    }
  }, { skip: (a) => a.perProcess && 'fcntl record locks are per process: waiters in one process do not exclude each other' });
  return [{
    id: 'waiters',
    title,
    count,
    columns: [
      { key: 'extraThreads', label: 'extra OS threads (peak)', unit: 'n' },
      { key: 'extraRss', label: 'extra RSS (peak)', unit: 'bytes' },
      { key: 'grantAll', label: 'release to all granted', unit: 'ns' },
      { key: 'perGrant', label: 'per grant', unit: 'ns' },
    ],
    primary: { key: 'perGrant', better: 'lower' },
    rows,
  }];
}

module.exports = { run, agent };
