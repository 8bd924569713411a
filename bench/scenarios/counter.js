// Scenario 3: a contended counter. 2 and 4 processes loop lock, read, increment, write, unlock on a shared
// 4-byte counter for a fixed time. Reports increments per second, fairness (fewest / most increments of one
// process) and checks that the counter equals the increments made: a lost update is a failure.
'use strict';
const fs = require('node:fs');
const { agentState, eachAdapter, delay } = require('./common');
const { now } = require('../lib/stats');

const state = agentState();

const agent = {
  prepare({ adapter, lockFile, dataFile }) {
    state.open(adapter, lockFile);
    state.data = fs.openSync(dataFile, 'r+');
  },
  async run({ startNs, endNs, mode }) {
    const { a, handles: [h], data } = state;
    const buf = Buffer.alloc(4);
    const step = () => {
      fs.readSync(data, buf, 0, 4, 0);
      buf.writeUInt32LE(buf.readUInt32LE(0) + 1, 0);
      fs.writeSync(data, buf, 0, 4, 0);
    };
    await delay((startNs - now()) / 1e6);
    let n = 0;
    if (mode === 'sync') {
      while (now() < endNs) {
        a.lockSync(h);
        step();
        a.unlockSync(h);
        n++;
      }
    } else {
      while (now() < endNs) {
        await a.lock(h);
        step();
        await a.unlock(h);
        n++;
      }
    }
    a.close(h);
    fs.closeSync(data);
    return n;
  },
};

function summarize(counts, final, ms) {
  const total = counts.reduce((x, y) => x + y, 0);
  return {
    perSec: total / (ms / 1000),
    fairness: Math.min(...counts) / Math.max(...counts),
    counts: counts.join(' / '),
    lost: total - final,
  };
}

async function runJs(ctx, a, procs, mode) {
  const { ms } = ctx.config.counter;
  const lockFile = ctx.file('counter-lock');
  const dataFile = ctx.file('counter-data');
  fs.writeFileSync(dataFile, Buffer.alloc(4));
  const agents = await Promise.all(Array.from({ length: procs }, () => ctx.spawnAgent()));
  try {
    await Promise.all(agents.map((p) => p.call('counter', 'prepare', { adapter: a.id, lockFile, dataFile })));
    const startNs = now() + 50e6;
    const counts = await Promise.all(agents.map((p) => p.call('counter', 'run', { startNs, endNs: startNs + ms * 1e6, mode })));
    return summarize(counts, fs.readFileSync(dataFile).readUInt32LE(0), ms);
  } finally {
    await Promise.all(agents.map((p) => p.stop()));
  }
}

async function run(ctx) {
  const { ms, procs: procCounts } = ctx.config.counter;
  const sections = [];
  for (const procs of procCounts) {
    const title = `3. Contended counter, ${procs} processes, ${ms} ms`;
    ctx.log(title);
    const k = ctx.kernel('counter', ctx.file('counter-lock'), ctx.file('counter-data'), procs, ms);
    const kernel = { impl: 'kernel (C)', ...summarize(k.counts, k.final, ms) };
    const rows = await eachAdapter(ctx, (a) => runJs(ctx, a, procs, 'async'));
    const fsFlock = ctx.adapters.find((a) => a.name === 'fs-flock');
    if (fsFlock && !fsFlock.skipped) rows.push({ impl: 'fs-flock (sync)', ...(await runJs(ctx, fsFlock, procs, 'sync')) });
    for (const row of [kernel, ...rows]) {
      if (row.lost) ctx.fail(`${title}: ${row.impl} LOST ${row.lost} UPDATES (counter ≠ increments made)`);
    }
    sections.push({
      id: `counter-${procs}`,
      title,
      columns: [
        { key: 'perSec', label: 'increments/s', unit: 'rate' },
        { key: 'fairness', label: 'fairness (min/max)', unit: 'ratio' },
        { key: 'counts', label: 'per process', unit: 'text' },
        { key: 'lost', label: 'lost updates', unit: 'n' },
      ],
      primary: { key: 'perSec', better: 'higher' },
      kernel,
      rows,
    });
  }
  return sections;
}

module.exports = { run, agent };
