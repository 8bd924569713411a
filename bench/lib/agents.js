// Forks agents (bench/lib/agent.js) and calls into them over IPC: `await agent.call(scenario, fn, args)`.
// The handshake is the agent's {ready} message; nothing here sleeps to wait for another process.
'use strict';
const { fork } = require('node:child_process');
const path = require('node:path');

/** Starts an agent; `env` adds to (or with undefined values, removes from) the parent's environment. */
async function spawnAgent(env = {}) {
  const merged = { ...process.env, ...env };
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  const child = fork(path.join(__dirname, 'agent.js'), [], { env: merged, execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map();
  let nextId = 0;
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  exited.then(({ code, signal }) => {
    for (const { reject } of pending.values()) reject(new Error(`agent exited (code ${code}, signal ${signal})`));
    pending.clear();
  });
  child.on('message', (msg) => {
    const entry = pending.get(msg.id);
    if (!entry) return;
    pending.delete(msg.id);
    if (msg.error) entry.reject(Object.assign(new Error(msg.error.message), { code: msg.error.code, agentStack: msg.error.stack }));
    else entry.resolve(msg.value);
  });
  await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('error', reject);
  });
  return {
    pid: child.pid,
    exited,
    call(scenario, fn, args) {
      const id = ++nextId;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ id, scenario, fn, args });
      });
    },
    /** Ends the agent; SIGKILL for one that may be stuck in a kernel wait on a pool thread. */
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

module.exports = { spawnAgent };
