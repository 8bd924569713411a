// `npm run bench`: runs every scenario against fs-flock, each peer and the kernel limit (C programs built now),
// and scenarios 1, 2 and 4 against the Node-API floor (an addon built now, adapters/floor.js); prints the
// targets as met / not met and writes results/results.json, results/results.md and results/chart.svg.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const config = require('./lib/config');
const { spawnAgent } = require('./lib/agents');
const { buildKernel } = require('./lib/kernel');
const { buildFloor } = require('./lib/floor');
const { NAMES, load } = require('./adapters');
const { markdown, targets } = require('./report');
const { chart } = require('./chart');

const SCENARIOS = ['roundtrip', 'counter', 'wakeup', 'starvation', 'cancel', 'waiters', 'cli', 'named'];
const RESULTS = path.join(__dirname, 'results');

async function main() {
  const started = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-flock-bench-'));
  const failures = [];
  const floor = buildFloor(dir);
  if (floor.path) process.env.BENCH_FLOOR_ADDON = floor.path; // agents inherit it and load the adapter from it
  const ctx = {
    config,
    log: (line) => console.log(line),
    fail: (message) => {
      failures.push(message);
      console.error(`\n!!!!!!!!!! FAILURE: ${message} !!!!!!!!!!\n`);
    },
    file: (name, content = '') => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, content);
      return file;
    },
    kernel: buildKernel(dir),
    spawnAgent,
    adapters: NAMES.filter((n) => !config.adapters || config.adapters.includes(n)).map(load),
    floor: { ...(floor.path ? load('floor') : { skipped: floor.skipped }), id: 'floor', name: 'raw Node-API floor', floor: true },
  };
  for (const a of [ctx.floor, ...ctx.adapters].filter((x) => x.skipped)) console.log(`SKIPPED ${a.name}: ${a.skipped}`);
  const env = {
    date: new Date().toISOString(),
    quick: config.quick,
    node: process.version,
    commit: execFileSync('git', ['describe', '--always', '--dirty'], { cwd: __dirname, encoding: 'utf8' }).trim(),
    kernel: os.release(),
    cpu: os.cpus()[0].model,
    cpus: os.cpus().length,
    fs: execFileSync('findmnt', ['-n', '-o', 'FSTYPE', '-T', dir], { encoding: 'utf8' }).trim(),
    load: { start: os.loadavg()[0] },
    adapters: [ctx.floor, ...ctx.adapters].map(({ name, notes, skipped }) => ({ name, notes, skipped })),
  };
  const sections = [];
  try {
    for (const name of SCENARIOS.filter((s) => !config.only || config.only.includes(s))) {
      sections.push(...(await require(`./scenarios/${name}`).run(ctx)));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  env.load.end = os.loadavg()[0];
  const byId = Object.fromEntries(sections.map((s) => [s.id, s]));
  const list = targets(byId);
  const results = { env, seconds: (Date.now() - started) / 1000, failures, targets: list, sections };
  fs.mkdirSync(RESULTS, { recursive: true });
  fs.writeFileSync(path.join(RESULTS, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  const md = markdown(results);
  fs.writeFileSync(path.join(RESULTS, 'results.md'), md);
  if (byId.wakeup || byId['roundtrip-async']) fs.writeFileSync(path.join(RESULTS, 'chart.svg'), chart(byId));
  console.log(`\n${md}\nTook ${results.seconds.toFixed(0)} s; wrote ${path.relative(process.cwd(), RESULTS)}/results.{json,md} and chart.svg`);
  if (failures.length) {
    console.error(`\n!!!!!!!!!! ${failures.length} FAILURE(S): ${failures.join('; ')} !!!!!!!!!!`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
