// Scenario 6: cancellation latency, for the implementations that offer any. Another process holds the lock;
// abort: time from AbortController.abort() to the rejection; timeout: time from the deadline to the rejection.
'use strict';
const { agentState, holdWith, eachAdapter, delay } = require('./common');
const { percentile, now } = require('../lib/stats');

const state = agentState();

const agent = {
  hold: holdWith(state),
  async samples({ adapter, file, kind, samples, timeoutMs, budgetMs }) {
    const a = require('../adapters').load(adapter);
    const h = a.open(file);
    const xs = [];
    const codes = new Set();
    const deadline = Date.now() + budgetMs;
    while (xs.length < samples && Date.now() < deadline) {
      let t0;
      let p;
      if (kind === 'signal') {
        const ac = new AbortController();
        p = a.lock(h, { signal: ac.signal });
        await delay(1 + Math.random() * 2); // the wait is in the kernel by now
        t0 = now();
        ac.abort();
      } else {
        t0 = now() + timeoutMs * 1e6;
        p = a.lock(h, { timeout: timeoutMs });
      }
      const outcome = await p.then(() => 'GRANTED', (err) => err.code);
      xs.push(now() - t0);
      codes.add(outcome);
    }
    a.close(h);
    return { xs, codes: [...codes] };
  },
};

async function run(ctx) {
  const { samples, timeoutMs, budgetMs } = ctx.config.cancel;
  const title = `6. Cancellation latency: abort() or the ${timeoutMs} ms deadline to the rejection (< 0: gave up early)`;
  ctx.log(title);
  const file = ctx.file('cancel');
  const rows = [];
  for (const kind of ['signal', 'timeout']) {
    const part = await eachAdapter(ctx, async (a) => {
      const holder = await ctx.spawnAgent();
      const waiter = await ctx.spawnAgent();
      try {
        await holder.call('cancel', 'hold', { adapter: a.id, file });
        const { xs, codes } = await waiter.call('cancel', 'samples', { adapter: a.id, file, kind, samples, timeoutMs, budgetMs });
        if (codes.includes('GRANTED')) ctx.fail(`${title}: ${a.name} was granted a lock another process holds`);
        return { via: kind === 'signal' ? 'AbortSignal' : `timeout ${timeoutMs} ms`, p50: percentile(xs, 50), p99: percentile(xs, 99), codes: codes.join(', '), samples: xs.length };
      } finally {
        await Promise.all([holder.stop(), waiter.stop()]);
      }
    }, { skip: (a) => !a.cancel.includes(kind) && (a.cancel.length ? `no ${kind} cancellation` : 'no cancellation') });
    const listed = (r) => kind === 'signal' || r.skipped !== 'no cancellation'; // list those once
    rows.push(...part.filter(listed).map((r) => (r.skipped ? { ...r, via: kind } : r)));
  }
  return [{
    id: 'cancel',
    title,
    columns: [
      { key: 'via', label: 'via', unit: 'text' },
      { key: 'p50', label: 'p50', unit: 'ns' },
      { key: 'p99', label: 'p99', unit: 'ns' },
      { key: 'codes', label: 'error code', unit: 'text' },
      { key: 'samples', label: 'samples', unit: 'n' },
    ],
    primary: { key: 'p50', better: 'lower' },
    compare: false, // abort and timeout paths differ too much for one ratio; lockfile may give up early (< 0)
    rows,
  }];
}

module.exports = { run, agent };
