// Shared test helpers: temp files closed in teardown, forked lock holders driven over IPC, platform facts.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { fork, spawn } = require('node:child_process');
const { once } = require('node:events');

const isWindows = process.platform === 'win32';
const isWine = isWindows && 'WINELOADER' in process.env;

/** Child processes per test, ended (and awaited) by the test's hooks so that none outlives the test run. */
const children = new WeakMap();

/** Kills a child unless it has exited, and resolves once it has. */
async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/** A fresh file in a fresh directory; every fd opened through `open()` is closed when the test ends. */
function tempFile(t, name = 'file.lock') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-flock-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, '');
  const fds = [];
  t.after(async () => {
    // Holders of this test may still have the file open (Windows cannot delete it then): end them first.
    await Promise.all((children.get(t) || []).map(stop));
    for (const fd of fds) try { fs.closeSync(fd); } catch {}
    // Best effort: a leftover temp dir must not fail the test or, worse, skip the hooks that end the children.
    try { fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }); } catch {}
  });
  return {
    dir,
    path: file,
    open(flags = 'r+') {
      const fd = fs.openSync(file, flags);
      fds.push(fd);
      return fd;
    },
  };
}

/**
 * A child process that holds locks on request (test/fixtures/holder.js). `send(msg)` resolves with its reply.
 * Replies come in order, so the test orders steps by messages, never by sleeping.
 */
async function holder(t, env = {}) {
  const child = fork(path.join(__dirname, 'fixtures', 'holder.js'), [], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const inbox = [];
  const waiting = [];
  child.on('message', (msg) => (waiting.length ? waiting.shift()(msg) : inbox.push(msg)));
  const exited = once(child, 'exit');
  if (!children.has(t)) children.set(t, []);
  children.get(t).push(child);
  t.after(() => stop(child));
  const next = () => (inbox.length ? Promise.resolve(inbox.shift()) : new Promise((resolve) => waiting.push(resolve)));
  await next(); // { ready: true }
  return {
    child,
    exited,
    next,
    send(msg) { child.send(msg); return next(); },
    post(msg) { child.send(msg); },
  };
}

/** Runs a command; resolves with { code, signal, stdout, stderr }. */
function run(cmd, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Resolves with the first line a child prints on stdout. */
async function firstLine(child) {
  let buffered = '';
  for await (const chunk of child.stdout) {
    buffered += chunk;
    const nl = buffered.indexOf('\n');
    if (nl >= 0) return buffered.slice(0, nl);
  }
  throw new Error(`process exited before printing a line: ${buffered}`);
}

module.exports = { isWindows, isWine, tempFile, holder, run, firstLine };
