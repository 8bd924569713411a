// Scenarios 1 and 2: an uncontended lock + unlock round trip, synchronous and asynchronous, against the C loop
// and the raw Node-API floor (adapters/floor.js, listed first so its row sits next to the kernel's).
// Each sample runs the loop for a fixed time and reports ns per round trip; the first sample is a warm-up.
// Every implementation has an agent of its own and the samples are taken in turn, one of each in every round,
// so that the machine's drift during the run moves every row alike: the ratios between rows are the targets.
'use strict';
const { agentState } = require('./common');
const { median, now } = require('../lib/stats');

const state = agentState();

const agent = {
  open({ adapter, file }) {
    state.open(adapter, file);
  },
  async sample({ mode, sampleMs }) {
    const { a, handles: [h] } = state;
    const span = sampleMs * 1e6;
    const start = now();
    let n = 0;
    let t;
    if (mode === 'sync') {
      do {
        for (let i = 0; i < 64; i++) {
          a.lockSync(h);
          a.unlockSync(h);
        }
        n += 64;
      } while ((t = now()) - start < span);
    } else {
      do {
        for (let i = 0; i < 16; i++) {
          await a.lock(h);
          await a.unlock(h);
        }
        n += 16;
      } while ((t = now()) - start < span);
    }
    return (t - start) / n;
  },
};

/** One row per implementation: samples taken round-robin across all of them; a skip or a failure is a row. */
async function measure(ctx, mode, samples, sampleMs) {
  const runs = [];
  for (const a of [ctx.floor, ...ctx.adapters]) {
    const run = { impl: { impl: a.name, ...(a.floor && { floor: true }) }, xs: [] };
    runs.push(run);
    run.skipped = a.skipped || (mode === 'sync' && !a.lockSync && 'no synchronous API');
    if (run.skipped) continue;
    ctx.log(`  ${a.name}`);
    run.agent = await ctx.spawnAgent();
    await run.agent.call('roundtrip', 'open', { adapter: a.id, file: ctx.file(`rt-${a.id}`) });
  }
  const live = runs.filter((r) => r.agent);
  try {
    for (let s = -1; s < samples; s++) {
      for (const r of live.filter((x) => !x.error)) {
        try {
          const x = await r.agent.call('roundtrip', 'sample', { mode, sampleMs });
          if (s >= 0) r.xs.push(x);
        } catch (err) {
          r.error = err.message;
          ctx.log(`  ${r.impl.impl} FAILED: ${err.message}`);
        }
      }
    }
  } finally {
    await Promise.all(live.map((r) => r.agent.stop()));
  }
  return runs.map(({ impl, skipped, error, xs }) => {
    if (skipped || error) return { ...impl, ...(skipped ? { skipped } : { error }) };
    return { ...impl, median: median(xs), best: Math.min(...xs), samples: xs.length };
  });
}

async function run(ctx) {
  const { samples, sampleMs } = ctx.config.roundTrip;
  const kernelSamples = ctx.kernel('loop', ctx.file('rt-kernel'), samples, sampleMs).nsPerOp;
  const kernel = { impl: 'kernel (C)', median: median(kernelSamples), best: Math.min(...kernelSamples), samples: kernelSamples.length };
  const sections = [];
  for (const [mode, title] of [['sync', '1. Uncontended sync lock + unlock'], ['async', '2. Uncontended async lock + unlock']]) {
    ctx.log(`${title}`);
    sections.push({
      id: `roundtrip-${mode}`,
      title,
      columns: [
        { key: 'median', label: 'median / round trip', unit: 'ns' },
        { key: 'best', label: 'best sample', unit: 'ns' },
        { key: 'samples', label: 'samples', unit: 'n' },
      ],
      primary: { key: 'median', better: 'lower' },
      kernel,
      rows: await measure(ctx, mode, samples, sampleMs),
    });
  }
  return sections;
}

module.exports = { run, agent };
