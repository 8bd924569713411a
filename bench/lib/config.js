// Sample counts and durations, from the environment: BENCH_QUICK=1 for a smoke run, BENCH_ONLY=a,b to pick
// scenarios, BENCH_ADAPTERS=a,b to pick implementations, BENCH_WAITERS to size the many-waiters scenario.
'use strict';

const quick = process.env.BENCH_QUICK === '1';
const list = (name) => (process.env[name] ? process.env[name].split(',').map((s) => s.trim()) : null);
const int = (name, fallback) => (process.env[name] ? Number.parseInt(process.env[name], 10) : fallback);

module.exports = {
  quick,
  only: list('BENCH_ONLY'),
  adapters: list('BENCH_ADAPTERS'),
  roundTrip: { samples: int('BENCH_SAMPLES', quick ? 3 : 11), sampleMs: quick ? 30 : 100 },
  counter: { procs: [2, 4], ms: int('BENCH_COUNTER_MS', quick ? 500 : 2000) },
  wakeup: { samples: int('BENCH_WAKEUP_SAMPLES', quick ? 40 : 300), holdUs: 2000, budgetMs: quick ? 3000 : 8000 },
  starvation: { waits: [4, 64], samples: quick ? 10 : 40, boundMs: quick ? 300 : 1000 },
  cancel: { samples: quick ? 40 : 300, timeoutMs: 5, budgetMs: quick ? 3000 : 8000 },
  cli: { runs: int('BENCH_CLI_RUNS', quick ? 10 : 60) },
  waiters: { count: int('BENCH_WAITERS', quick ? 1000 : 10000), boundMs: quick ? 5000 : 20000, peerBoundMs: quick ? 3000 : 8000 },
};
