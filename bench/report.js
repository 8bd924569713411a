// Turns the scenario sections into results.md (tables with ratios to the C limit, to the Node-API floor where
// the section has one, and to the best peer) and checks the targets of issue 6, each printed as met / not met.
'use strict';
const { ns } = require('./lib/stats');

const SELF = /^fs-flock/;
const numeric = (v) => typeof v === 'number' && Number.isFinite(v);

function fmt(value, unit) {
  if (value === undefined || value === null) return '–';
  if (typeof value === 'string') return value;
  if (value === Infinity) return '∞';
  switch (unit) {
    case 'ns': return ns(value);
    case 'rate': return `${Math.round(value).toLocaleString('en-US')}/s`;
    case 'ratio': return value.toFixed(2);
    case 'bytes': return `${(value / 2 ** 20).toFixed(1)} MiB`;
    default: return String(value);
  }
}

/** The best peer's row for the section's primary metric (peers only: not fs-flock, the kernel or a floor). */
function bestPeer(section) {
  const { key, better } = section.primary;
  const peers = section.rows.filter((r) => !SELF.test(r.impl) && !r.floor && numeric(r[key]));
  if (peers.length === 0) return null;
  return peers.reduce((a, b) => ((better === 'lower' ? b[key] < a[key] : b[key] > a[key]) ? b : a));
}

/** The section's measured floor row (adapters/floor.js), if it has one. */
const floorRow = (section) => section.rows.find((r) => r.floor && numeric(r[section.primary.key]));

function table(section) {
  const { key } = section.primary;
  const best = section.compare === false ? null : bestPeer(section);
  const kernel = section.kernel;
  const floor = floorRow(section);
  const head = ['implementation', ...section.columns.map((c) => c.label)];
  if (kernel) head.push(`÷ C (${section.primary.key})`);
  if (floor) head.push(`÷ floor (${key})`);
  if (best) head.push(`÷ best peer (${best.impl})`);
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const row of [...(kernel ? [kernel] : []), ...section.rows]) {
    if (row.skipped || row.error) {
      const why = row.skipped ? `skipped: ${row.skipped}` : `**FAILED**: ${row.error}`;
      lines.push(`| ${row.impl}${row.via ? ` (${row.via})` : ''} | ${why} |${' |'.repeat(head.length - 2)}`);
      continue;
    }
    const cells = [row === kernel || row.floor ? `**${row.impl}**` : row.impl, ...section.columns.map((c) => fmt(row[c.key], c.unit))];
    if (kernel) cells.push(numeric(row[key]) && numeric(kernel[key]) ? (row[key] / kernel[key]).toFixed(2) : '–');
    if (floor) cells.push(numeric(row[key]) ? (row[key] / floor[key]).toFixed(2) : '–');
    if (best) cells.push(numeric(row[key]) ? (row[key] / best[key]).toFixed(2) : '–');
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Every target of issue 6 as {target, value, met}; met is null when a figure is missing. */
function targets(byId) {
  const row = (id, impl, pred = () => true) => byId[id]?.rows.find((r) => r.impl === impl && pred(r));
  const out = [];
  const check = (target, value, met, shown) => out.push({ target, value: shown ?? value, met: numeric(value) ? met : null });
  const k = (id, key) => byId[id]?.kernel?.[key];
  const f = (id, key) => byId[id] && floorRow(byId[id])?.[key];

  const sync = row('roundtrip-sync', 'fs-flock')?.median / k('roundtrip-sync', 'median');
  check('sync round trip <= 1.15x the C loop', sync, sync <= 1.15, numeric(sync) && `${sync.toFixed(2)}x`);
  const syncF = row('roundtrip-sync', 'fs-flock')?.median / f('roundtrip-sync', 'median');
  check('sync lock+unlock <= 1.05x the raw Node-API floor', syncF, syncF <= 1.05, numeric(syncF) && `${syncF.toFixed(2)}x`);
  const async = row('roundtrip-async', 'fs-flock')?.median / k('roundtrip-async', 'median');
  check('async round trip <= 2x the C loop', async, async <= 2, numeric(async) && `${async.toFixed(2)}x`);
  const vsExt = row('roundtrip-async', 'fs-ext')?.median / row('roundtrip-async', 'fs-flock')?.median;
  check("async round trip >= 10x faster than fs-ext's", vsExt, vsExt >= 10, numeric(vsExt) && `${vsExt.toFixed(1)}x faster`);
  const wake = row('wakeup', 'fs-flock')?.p50;
  const wExt = wake / row('wakeup', 'fs-ext')?.p50;
  check("wake-up p50 <= 0.4x fs-ext's", wExt, wExt <= 0.4, numeric(wExt) && `${wExt.toFixed(2)}x`);
  const wC = wake / k('wakeup', 'p50');
  check('wake-up p50 <= 5x the C handoff', wC, wC <= 5, numeric(wC) && `${wC.toFixed(2)}x`);
  const wF = wake / f('wakeup', 'p50');
  check('wake-up p50 <= 1.1x the raw wait floor', wF, wF <= 1.1, numeric(wF) && `${wF.toFixed(2)}x`);
  for (const id of Object.keys(byId).filter((i) => i.startsWith('counter-'))) {
    const best = bestPeer(byId[id]);
    const r = row(id, 'fs-flock')?.perSec / best?.perSec;
    check(`contended async counter (${id.slice(8)} processes) >= 2x the best peer`, r, r >= 2, numeric(r) && `${r.toFixed(2)}x ${best.impl}`);
  }
  const starve = row('starvation', 'fs-flock')?.ratio64;
  check('readFile with 64 waits pending <= 2x unloaded', starve, starve <= 2, numeric(starve) && `${starve.toFixed(2)}x`);
  for (const via of ['AbortSignal', 'timeout']) {
    const c = row('cancel', 'fs-flock', (r) => r.via?.startsWith(via))?.p50;
    check(`cancel p50 <= 1 ms (${via})`, c, c <= 1e6, numeric(c) && ns(c));
  }
  const re = row('reentrancy', 'withLock, reentrant (default)')?.ratio;
  check('withLock with reentrancy <= 1.10x without (uncontended)', re, re <= 1.1, numeric(re) && `${re.toFixed(2)}x`);
  const w = row('waiters', 'fs-flock');
  check(`${byId.waiters?.count ?? 'N'} waiters: <= 16 extra OS threads`, w?.extraThreads, w?.extraThreads <= 16);
  check('... and <= 100 MB extra RSS', w?.extraRss, w?.extraRss <= 100e6, numeric(w?.extraRss) && fmt(w.extraRss, 'bytes'));
  return out;
}

function markdown({ env, sections, failures, targets: list }) {
  const parts = [
    '# fs-flock benchmarks',
    '',
    `Generated by \`npm run bench\`${env.quick ? ' (BENCH_QUICK=1: smoke run, few samples)' : ''} on ${env.date}, at ${env.commit}.`,
    `${env.cpu}, ${env.cpus} cores, Linux ${env.kernel}, Node ${env.node}, lock files on ${env.fs}.`,
    `Load average (1 min) ${env.load.start.toFixed(2)} at the start, ${env.load.end?.toFixed(2)} at the end: other work on the machine skews figures.`,
    '',
    'Ratios divide the primary figure (named in the header) by the C program\'s (the kernel limit), by the floor\'s',
    '(the cheapest Node-API addon doing the same syscalls, bench/floor/floor.c; not a peer) and by the best peer\'s:',
    'for times lower is better, for increments/s higher is better. Medians are over repeated samples.',
    '',
    '## Targets',
    '',
    '| target | fs-flock | |',
    '|---|---|---|',
    ...list.map((t) => `| ${t.target} | ${t.value === undefined || t.value === false ? '–' : t.value} | ${t.met === null ? 'no figure' : t.met ? 'met' : '**not met**'} |`),
    '',
  ];
  if (failures.length) parts.push('## FAILURES', '', ...failures.map((f) => `- **${f}**`), '');
  for (const s of sections) parts.push(`## ${s.title}`, '', table(s), '');
  parts.push('## Implementations', '', ...env.adapters.map((a) => `- **${a.name}**: ${a.skipped ? `skipped: ${a.skipped}` : a.notes}`), '');
  return parts.join('\n');
}

module.exports = { markdown, targets, fmt };
