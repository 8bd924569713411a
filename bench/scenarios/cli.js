// Scenario 8: the start-up cost of one `fs-flock <file> true` on a free lock, which scripts pay in every loop,
// against `node -e 0` (the least any Node program costs) and util-linux `flock <file> true`. Runs are taken in
// turn, one of each per round, so the machine's drift moves every row alike.
'use strict';
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { percentile, now } = require('../lib/stats');

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');

async function run(ctx) {
  const { runs } = ctx.config.cli;
  const title = '8. CLI start-up: one run on a free lock, fork and exec to exit';
  ctx.log(title);
  const file = ctx.file('cli.lock');
  const impls = [
    { impl: 'flock(1) (util-linux)', cmd: 'flock', args: [file, 'true'] },
    { impl: 'node -e 0', cmd: process.execPath, args: ['-e', '0'] },
    { impl: 'fs-flock', cmd: process.execPath, args: [CLI, file, 'true'] },
  ];
  for (const x of impls) x.xs = [];
  for (let r = -1; r < runs; r++) {
    for (const x of impls) {
      const t = now();
      const out = spawnSync(x.cmd, x.args, { stdio: 'ignore' });
      if (out.status !== 0) ctx.fail(`${title}: ${x.impl} exited ${out.status ?? out.signal}`);
      if (r >= 0) x.xs.push(now() - t); // round -1 warms the page cache
    }
  }
  const node = percentile(impls[1].xs, 50);
  return [{
    id: 'cli',
    title,
    columns: [
      { key: 'p50', label: 'p50', unit: 'ns' },
      { key: 'p99', label: 'p99', unit: 'ns' },
      { key: 'overNode', label: 'p50 over node -e 0', unit: 'ns' },
      { key: 'samples', label: 'runs', unit: 'n' },
    ],
    primary: { key: 'p50', better: 'lower' },
    compare: false, // a C program and a Node one: the rows are for reading, not a ratio
    rows: impls.map(({ impl, xs }) => ({ impl, p50: percentile(xs, 50), p99: percentile(xs, 99), overNode: percentile(xs, 50) - node, samples: xs.length })),
  }];
}

module.exports = { run };
