// Scenarios 1 and 2: an uncontended lock + unlock round trip, synchronous and asynchronous, against the C loop
// and the raw Node-API floor (adapters/floor.js, measured first so its row sits next to the kernel's).
// Each sample runs the loop for a fixed time and reports ns per round trip; the first sample is a warm-up.
'use strict';
const { agentState, eachAdapter } = require('./common');
const { median, now } = require('../lib/stats');

const state = agentState();

const agent = {
  async loop({ adapter, file, mode, samples, sampleMs }) {
    const h = state.open(adapter, file);
    const { a } = state;
    const span = sampleMs * 1e6;
    const result = [];
    for (let s = -1; s < samples; s++) {
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
      if (s >= 0) result.push((t - start) / n);
    }
    a.close(h);
    return result;
  },
};

async function run(ctx) {
  const { samples, sampleMs } = ctx.config.roundTrip;
  const kernelSamples = ctx.kernel('loop', ctx.file('rt-kernel'), samples, sampleMs).nsPerOp;
  const kernel = { impl: 'kernel (C)', median: median(kernelSamples), best: Math.min(...kernelSamples), samples: kernelSamples.length };
  const section = (mode, title) => ({
    id: `roundtrip-${mode}`,
    title,
    columns: [
      { key: 'median', label: 'median / round trip', unit: 'ns' },
      { key: 'best', label: 'best sample', unit: 'ns' },
      { key: 'samples', label: 'samples', unit: 'n' },
    ],
    primary: { key: 'median', better: 'lower' },
    kernel,
  });
  const sections = [];
  for (const [mode, title] of [['sync', '1. Uncontended sync lock + unlock'], ['async', '2. Uncontended async lock + unlock']]) {
    ctx.log(`${title}`);
    const rows = await eachAdapter(ctx, async (a) => {
      const agentProc = await ctx.spawnAgent();
      try {
        const xs = await agentProc.call('roundtrip', 'loop', { adapter: a.id, file: ctx.file('rt'), mode, samples, sampleMs });
        return { median: median(xs), best: Math.min(...xs), samples: xs.length };
      } finally {
        await agentProc.stop();
      }
    }, { adapters: [ctx.floor, ...ctx.adapters], skip: (a) => mode === 'sync' && !a.lockSync && 'no synchronous API' });
    sections.push({ ...section(mode, title), rows });
  }
  return sections;
}

module.exports = { run, agent };
