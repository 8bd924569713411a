// Scenario 5: thread-pool starvation. Another process holds the lock while this one has 4 or 64 waits pending;
// measures fs.readFile latency of a small file meanwhile, in a fresh process with the default pool of 4.
// A readFile still pending after a bound is recorded as such (the pool is blocked), not waited for.
'use strict';
const fs = require('node:fs');
const { agentState, holdWith, eachAdapter, delay } = require('./common');
const { median, percentile, now } = require('../lib/stats');

const state = agentState();

const agent = {
  hold: holdWith(state),
  async release() {
    await state.a.unlock(state.handles[0]);
  },
  async startWaits({ adapter, file, count }) {
    if (count === 0) return;
    state.open(adapter, file, count);
    for (const h of state.handles) state.a.lock(h).catch(() => {});
    await delay(50); // waits submitted; let their threads reach the kernel
  },
  async readFileLatency({ file, samples, boundMs }) {
    const xs = [];
    for (let i = 0; i < samples; i++) {
      const t0 = now();
      const done = await Promise.race([fs.promises.readFile(file).then(() => true), delay(boundMs).then(() => false)]);
      if (!done) return { xs, pendingAfterMs: boundMs };
      xs.push(now() - t0);
    }
    return { xs, pendingAfterMs: null };
  },
};

async function measure(ctx, a, file, count) {
  const { samples, boundMs } = ctx.config.starvation;
  const victim = await ctx.spawnAgent({ UV_THREADPOOL_SIZE: undefined });
  try {
    await victim.call('starvation', 'startWaits', { adapter: a.id, file, count });
    return await victim.call('starvation', 'readFileLatency', { file: ctx.readFileTarget, samples, boundMs });
  } finally {
    await victim.stop('SIGKILL'); // pool threads may be stuck in the kernel until the holder lets go
  }
}

const cell = ({ xs, pendingAfterMs }) => (pendingAfterMs === null ? median(xs) : `still pending after ${pendingAfterMs} ms`);

async function run(ctx) {
  const { waits } = ctx.config.starvation;
  const title = `5. fs.readFile latency (p50) while ${waits.join(' / ')} lock waits are pending (UV_THREADPOOL_SIZE=4)`;
  ctx.log(title);
  ctx.readFileTarget = ctx.file('readfile-target', Buffer.alloc(4096, 1));
  const file = ctx.file('starvation');
  const rows = await eachAdapter(ctx, async (a) => {
    const holder = await ctx.spawnAgent();
    try {
      await holder.call('starvation', 'hold', { adapter: a.id, file });
      const unloaded = await measure(ctx, a, file, 0);
      const row = { unloaded: median(unloaded.xs), unloadedP99: percentile(unloaded.xs, 99) };
      for (const count of waits) {
        const r = await measure(ctx, a, file, count);
        row[`w${count}`] = cell(r);
        row[`ratio${count}`] = r.pendingAfterMs === null ? median(r.xs) / row.unloaded : Infinity;
      }
      await holder.call('starvation', 'release');
      return row;
    } finally {
      await holder.stop();
    }
  });
  const columns = [
    { key: 'unloaded', label: 'no waits', unit: 'ns' },
    ...waits.flatMap((n) => [
      { key: `w${n}`, label: `${n} waits`, unit: 'ns' },
      { key: `ratio${n}`, label: `${n} waits ÷ no waits`, unit: 'ratio' },
    ]),
  ];
  const last = waits[waits.length - 1];
  return [{ id: 'starvation', title, columns, primary: { key: `ratio${last}`, better: 'lower' }, rows }];
}

module.exports = { run, agent };
