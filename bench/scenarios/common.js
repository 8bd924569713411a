// Helpers the scenarios share: per-adapter agent state, running a step for every adapter while turning a
// skip or a failure into a row instead of aborting the run, and reading this process's threads and RSS.
'use strict';
const fs = require('node:fs');
const { load } = require('../adapters');

/** Agent-side state of one scenario: the adapter and its open handles. */
function agentState() {
  const state = { a: null, handles: [] };
  state.open = (adapter, file, count = 1) => {
    state.a = load(adapter);
    state.handles = Array.from({ length: count }, () => state.a.open(file));
    return state.handles[0];
  };
  return state;
}

/** The agent function that opens `file` with `adapter` and holds the lock until told otherwise. */
function holdWith(state) {
  return async ({ adapter, file }) => {
    state.open(adapter, file);
    await state.a.lock(state.handles[0]);
  };
}

/**
 * Runs `fn(adapter)` for each adapter; a skipped adapter, a thrown error or a null result become rows.
 * `adapters` replaces ctx.adapters, e.g. to add the floor, whose rows carry floor: true (it is not a peer).
 */
async function eachAdapter(ctx, fn, { skip, adapters = ctx.adapters } = {}) {
  const rows = [];
  for (const a of adapters) {
    const impl = { impl: a.name, ...(a.floor && { floor: true }) };
    const reason = a.skipped || (skip && skip(a));
    if (reason) {
      rows.push({ ...impl, skipped: reason });
      continue;
    }
    ctx.log(`  ${a.name}`);
    try {
      rows.push({ ...impl, ...(await fn(a)) });
    } catch (err) {
      ctx.log(`  ${a.name} FAILED: ${err.message}`);
      rows.push({ ...impl, error: err.message });
    }
  }
  return rows;
}

/** Threads and resident memory of the calling process, from /proc/self/status. */
function processUsage() {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)[1]);
  return { threads: field('Threads'), rssBytes: field('VmRSS') * 1024 };
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

module.exports = { agentState, holdWith, eachAdapter, processUsage, delay };
