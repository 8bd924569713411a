// The fs-flock command (dist/cli.js) against util-linux flock(1): the same scenarios through both tools give the
// same exit codes and the same messages (the program name aside); each tool excludes the other; -o, fd mode and
// --no-fork; and what flock(1) lacks: signals passed on to the command, holders named, Windows commands.
// Where flock(1) is missing (Windows under Wine), the scenarios run against fs-flock alone, with flock(1)'s codes.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { once } = require('node:events');
const { isWindows, isWine, tempFile, holder, run } = require('./helpers');
const { tryLock, lockReach } = require('..');

const CLI = path.join(__dirname, '..', 'dist', 'cli.js');
const NODE = process.execPath;
const differential = process.platform === 'linux'; // flock(1) is part of util-linux, which every Linux CI has
const exitWith = (code) => [NODE, '-e', `process.exit(${code})`];
// A command that reports 'started', answers 'ping' with 'pong', handles SIGINT/SIGTERM/SIGHUP by saying so, and
// exits on 'exit' with status 5: the tests talk to it through the tool's inherited stdin and stdout.
const CHATTY = [NODE, '-e', `
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => process.stdout.write('got ' + s + '\\n'));
  process.stdin.on('data', (d) => {
    if (String(d).includes('ping')) process.stdout.write('pong\\n');
    if (String(d).includes('exit')) process.exit(5);
  });
  process.stdout.write('started ' + process.pid + '\\n');`];
const KEEPS_RUNNING = [NODE, '-e', 'console.log("started " + process.pid); setInterval(() => {}, 1000)'];

const fsFlock = (args, options) => run(NODE, [CLI, ...args], options);
const flock1 = (args, options) => run('flock', args, options);
/** flock(1)'s words with fs-flock's name. */
const normal = (text) => text.replace(/^flock: /gm, 'fs-flock: ').replace("Try 'flock --help'", "Try 'fs-flock --help'");

/**
 * Spawns a tool that runs CHATTY (or a command like it); resolves once the command said 'started'. `line(re)`
 * resolves with the next line of its stdout that matches.
 */
async function startHolding(t, tool, args) {
  const child = tool === 'flock' ? spawn('flock', args) : spawn(NODE, [CLI, ...args]);
  t.after(() => child.kill('SIGKILL'));
  const exited = once(child, 'exit');
  let buffered = '';
  let pending = null;
  const check = () => {
    const lines = buffered.split('\n');
    const i = pending ? lines.slice(0, -1).findIndex((l) => pending.re.test(l)) : -1;
    if (i < 0) return;
    buffered = lines.slice(i + 1).join('\n');
    const { resolve } = pending;
    pending = null;
    resolve(lines[i]);
  };
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    buffered += d;
    check();
  });
  child.stdout.on('end', () => pending?.reject(new Error(`stdout ended without ${pending.re}: ${buffered}`)));
  const line = (re) => new Promise((resolve, reject) => {
    pending = { re, resolve, reject };
    check();
  });
  const started = await line(/^started \d+$/);
  return { child, line, exited, commandPid: Number(started.split(' ')[1]) };
}

/** Whether a fresh open file can lock the path now (the tools hold their own open files). */
function lockable(file, shared = false) {
  const fd = fs.openSync(file, 'r');
  try {
    return tryLock(fd, { shared });
  } finally {
    fs.closeSync(fd);
  }
}

// [args, expected exit code, holder state]: L is the lock file, D a directory, M a path in a missing directory.
const SCENARIOS = [
  [['L', ...exitWith(0)], 0],
  [['L', ...exitWith(3)], 3],
  [['L', ...exitWith(255)], 255],
  [['L', '-c', 'exit 7'], 7],
  [['-n', 'L', ...exitWith(0)], 0],
  [['-s', 'L', ...exitWith(0)], 0],
  [['-u', 'L', ...exitWith(0)], 0],
  [['-w', '5', 'L', ...exitWith(0)], 0],
  [['--timeout=0.5', '--exclusive', 'L', ...exitWith(2)], 2],
  [['-x', '--', 'L', ...exitWith(0)], 0],
  [['D', ...exitWith(4)], isWindows ? 65 : 4], // LockFileEx locks files only
  [['M', ...exitWith(0)], 66],
  [['L', 'fs-flock-no-such-command'], 69],
  [[], 64],
  [['-z', 'L', 'true'], 64],
  [['--bogus', 'L', 'true'], 64],
  [['--ver'], 64],
  [['--shared=1', 'L', 'true'], 64],
  [['-w'], 64],
  [['-w', 'soon', 'L', 'true'], 64],
  [['-w', '-1', 'L', 'true'], 71],
  [['-E', '256', 'L', 'true'], 64],
  [['-E', 'x', 'L', 'true'], 64],
  [['-F', '-o', 'L', 'true'], 64],
  [['L', '-c'], 64],
  [['L', '-c', 'exit 1', 'extra'], 64],
  [['-s'], 64],
  [['L'], 64],
  [['--sh', '--excl', 'L', ...exitWith(0)], 0], // unique prefixes, as getopt_long takes them
  [['--no', 'L', ...exitWith(0)], 64], // ambiguous: --nonblocking, --no-fork
  [['--nb=x', 'L', 'true'], 64],
  [['-xsnw'], 64],
  [['-?'], 64],
  [['-w', '0x1p-3', '-E', ' 3', 'L', ...exitWith(0)], 0], // strtod and strtol forms
  [['-w', 'inf', 'L', 'true'], 71],
  [['99999999999'], 64],
  [['L', '--', 'true'], 69], // options end at the file: '--' is the command
  [['-n', 'L', ...exitWith(0)], 1, 'ex'],
  [['-n', '-E', '7', 'L', ...exitWith(0)], 7, 'ex'],
  [['-n', '-E', '0', 'L', ...exitWith(9)], 0, 'ex'],
  [['-s', '-n', 'L', ...exitWith(0)], 1, 'ex'],
  [['-w', '0.2', 'L', ...exitWith(0)], 1, 'ex'],
  [['-w', '0', 'L', ...exitWith(0)], 1, 'ex'],
  [['--wait', '0.1', '-E', '5', 'L', ...exitWith(0)], 5, 'ex'],
  [['-s', '-n', 'L', ...exitWith(0)], 0, 'sh'],
  [['-s', '-w', '0.2', 'L', ...exitWith(6)], 6, 'sh'],
  [['-n', 'L', ...exitWith(0)], 1, 'sh'],
  [['-n', '--conflict-exit-code', '3', 'L', ...exitWith(0)], 3, 'sh'],
  [['-n', '--verbose', 'L', ...exitWith(0)], 1, 'ex'],
];
if (!isWindows) SCENARIOS.push([['99'], 65], [['-n', '99'], 65]);

test('the scenarios end with flock(1)\'s exit codes and messages', async (t) => {
  const f = tempFile(t);
  const dir = fs.mkdtempSync(path.join(f.dir, 'dir-'));
  const paths = { L: f.path, D: dir, M: path.join(f.dir, 'missing', 'x.lock') };
  const fill = (args) => args.map((a) => paths[a] ?? a);
  const held = { free: null, ex: await holder(t), sh: await holder(t) };
  const fds = { ex: (await held.ex.send({ open: true, path: f.path })).fd, sh: (await held.sh.send({ open: true, path: f.path })).fd };
  let state = 'free';
  for (const [args, expected, want = 'free'] of SCENARIOS) {
    if (want !== state) {
      if (state !== 'free') await held[state].send({ unlock: true, fd: fds[state] });
      if (want !== 'free') assert.strictEqual((await held[want].send({ lock: true, fd: fds[want], op: want })).granted, true);
      state = want;
    }
    const ours = await fsFlock(fill(args));
    const what = `fs-flock ${args.join(' ')} (${state}): ${ours.stderr}`;
    assert.strictEqual(ours.code, expected, what);
    assert.strictEqual(ours.stdout, '', what);
    if (!differential) continue;
    const theirs = await flock1(fill(args));
    assert.strictEqual(theirs.code, expected, `flock ${args.join(' ')} (${state}): ${theirs.stderr}`);
    assert.strictEqual(ours.stderr.split('\n')[0], normal(theirs.stderr).split('\n')[0], what);
    if (!args.includes('--verbose')) assert.strictEqual(ours.stderr, normal(theirs.stderr), what);
  }
});

test('--verbose names the holders on a conflict and times a grant', async (t) => {
  const f = tempFile(t);
  const h = await holder(t);
  const fd = (await h.send({ open: true, path: f.path })).fd;
  await h.send({ lock: true, fd, op: 'ex' });
  const conflict = await fsFlock(['-n', '--verbose', f.path, ...exitWith(0)]);
  const timeout = await fsFlock(['-w', '0.1', '--verbose', f.path, ...exitWith(0)]);
  const named = process.platform === 'linux' ? [`fs-flock: held by pid ${h.child.pid} (exclusive)`] : [];
  const reach = `fs-flock: ${f.path} is on ${lockReach(f.path).filesystem}: its locks reach this machine only`; // a temporary directory is local everywhere
  assert.deepStrictEqual(conflict.stderr.trim().split('\n'), ['fs-flock: failed to get lock', ...named, reach]);
  assert.deepStrictEqual(timeout.stderr.trim().split('\n'), ['fs-flock: timeout while waiting to get lock', ...named, reach]);
  await h.send({ unlock: true, fd });
  const granted = await fsFlock(['--verbose', f.path, ...exitWith(0)]);
  assert.match(granted.stdout, /^fs-flock: getting lock took \d+\.\d{6} seconds\nfs-flock: .+ is on \S+: its locks reach .+\nfs-flock: executing .+\n$/);
  assert.strictEqual(granted.code, 0);
});

test('-h and -V print to stdout and exit 0', async () => {
  const h = await fsFlock(['-h']);
  const v = await fsFlock(['--version']);
  assert.strictEqual(h.code, 0);
  assert.match(h.stdout, /^\nUsage:\n fs-flock \[options\] <file>\|<directory> <command>/);
  assert.strictEqual(v.code, 0);
  assert.strictEqual(v.stdout, `fs-flock ${require('../package.json').version} (util-linux flock(1) compatible)\n`);
});

test('-w waits in the kernel and succeeds once the holder lets go', async (t) => {
  const f = tempFile(t);
  const h = await holder(t);
  const fd = (await h.send({ open: true, path: f.path })).fd;
  await h.send({ lock: true, fd, op: 'ex' });
  for (const tool of differential ? ['fs-flock', 'flock'] : ['fs-flock']) {
    const args = ['-w', '60', f.path, ...exitWith(0)];
    const waiting = tool === 'flock' ? flock1(args) : fsFlock(args);
    if (process.platform === 'linux') await blockedInKernel(f.path); // a blocked flock(2), not a poll loop
    await h.send({ unlock: true, fd });
    assert.strictEqual((await waiting).code, 0, tool);
    await h.send({ lock: true, fd, op: 'ex' });
  }
});

/** Resolves once /proc/locks shows a blocked flock(2) request ("->") on the file: the handshake with a waiter. */
function blockedInKernel(file) {
  const blocked = new RegExp(`^\\d+: -> FLOCK .*:${fs.statSync(file).ino} `, 'm');
  return until(() => blocked.test(fs.readFileSync('/proc/locks', 'latin1')));
}

test('fs-flock and flock(1) exclude each other, on files and on directories', { skip: !differential && 'flock(1) is util-linux, Linux only' }, async (t) => {
  const f = tempFile(t);
  for (const target of [f.path, f.dir]) {
    for (const [holding, probing] of [['flock', 'fs-flock'], ['fs-flock', 'flock']]) {
      const { child, exited } = await startHolding(t, holding, [target, ...CHATTY]);
      const probe = (args) => (probing === 'flock' ? flock1(args) : fsFlock(args));
      assert.strictEqual((await probe(['-n', target, ...exitWith(0)])).code, 1, `${probing} -n against ${holding}`);
      assert.strictEqual((await probe(['-s', '-n', target, ...exitWith(0)])).code, 1, `${probing} -s -n against ${holding}`);
      child.stdin.write('exit\n');
      assert.deepStrictEqual(await exited, [5, null]);
      assert.strictEqual((await probe(['-n', target, ...exitWith(0)])).code, 0, `${probing} after ${holding} ended`);
    }
  }
});

test('fd mode locks the shell\'s open file, which keeps the lock after the tool exits', { skip: isWindows && 'Windows: a lock ends with the process that took it (fd mode is refused there)' }, async (t) => {
  const f = tempFile(t);
  const tools = { flock: 'flock', 'fs-flock': `"${NODE}" "${CLI}"` };
  const pairs = differential ? [['fs-flock', 'flock'], ['flock', 'fs-flock'], ['fs-flock', 'fs-flock']] : [['fs-flock', 'fs-flock']];
  for (const [tool, other] of pairs) {
    const script = `exec 9>"$1"
      ${tools[tool]} -n 9 || exit 100
      ${tools[other]} -n "$1" true; echo "ex $?"
      ${tools[tool]} -u 9; ${tools[other]} -n "$1" true; echo "unlocked $?"
      ${tools[tool]} -s 9; ${tools[other]} -s -n "$1" true; echo "shared $?"; ${tools[other]} -n "$1" true; echo "ex $?"
      ${tools[tool]} -s -n 0 < "$1"; echo "stdin $?"`;
    const r = await run('sh', ['-c', script, 'sh', f.path]);
    assert.strictEqual(r.stdout, 'ex 1\nunlocked 0\nshared 0\nex 1\nstdin 0\n', `${tool} locks, ${other} probes: ${r.stderr}`);
  }
  // A number the shell did not open is EBADF, even where Node holds an fd of its own (epoll, pipes) under it.
  for (const fd of ['3', '5', '9']) {
    const r = await fsFlock([fd]);
    assert.deepStrictEqual([r.code, r.stderr], [65, `fs-flock: ${fd}: Bad file descriptor\n`]);
  }
});

test('-o: the command runs without the lock, so killing the tool frees it; without -o the command keeps it', async (t) => {
  const f = tempFile(t);
  for (const tool of differential ? ['fs-flock', 'flock'] : ['fs-flock']) {
    for (const close of [true, false]) {
      const { child, commandPid } = await startHolding(t, tool, [...(close ? ['-o'] : []), f.path, ...KEEPS_RUNNING]);
      t.after(() => { try { process.kill(commandPid, 'SIGKILL'); } catch {} }); // gone already, unless a step failed
      assert.strictEqual(lockable(f.path), false, `${tool} holds it`);
      child.kill('SIGKILL');
      await once(child, 'exit');
      if (isWindows) {
        // libuv runs the command in the tool's job object, so it ends with the tool, as does the lock: on Windows
        // a command never runs on without its lock.
        await until(() => !alive(commandPid));
        assert.strictEqual(lockable(f.path), true);
        continue;
      }
      assert.strictEqual(alive(commandPid), true, 'the command runs on');
      assert.strictEqual(lockable(f.path), close, `${tool} ${close ? '-o ' : ''}killed while its command runs`);
      process.kill(commandPid, 'SIGKILL');
      await until(() => lockable(f.path)); // the command's exit releases what it inherited
    }
  }
});

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    if (err.code === 'ESRCH') return false;
    throw err;
  }
}

/** Resolves once `condition()` holds: for a state that only the kernel can report. */
async function until(condition) {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${condition}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('SIGINT, SIGTERM and SIGHUP reach the command, which keeps the lock until it ends', { skip: isWindows && 'Windows has no signals to send: a console sends Ctrl+C to the command itself' }, async (t) => {
  const f = tempFile(t);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    for (const close of [true, false]) {
      const { child, line, exited } = await startHolding(t, 'fs-flock', [...(close ? ['-o'] : []), f.path, ...CHATTY]);
      child.kill(signal);
      assert.strictEqual(await line(/^got /), `got ${signal}`);
      assert.strictEqual(lockable(f.path), false, `held after ${signal}`);
      child.stdin.write('exit\n');
      assert.deepStrictEqual(await exited, [5, null]);
      assert.strictEqual(lockable(f.path), true);
    }
  }
  // A command that the signal ends: the tool exits as flock(1) reports a signalled command, 128 + the signal.
  const { child, exited } = await startHolding(t, 'fs-flock', [f.path, ...KEEPS_RUNNING]);
  child.kill('SIGTERM');
  assert.deepStrictEqual(await exited, [143, null]);
  assert.strictEqual(lockable(f.path), true);
});

test('--no-fork: the command replaces the tool and holds the lock (process.execve), or a clear error', async (t) => {
  const f = tempFile(t);
  if (isWindows || typeof process.execve !== 'function') {
    const r = await fsFlock(['-F', f.path, ...exitWith(0)]);
    assert.strictEqual(r.code, 64);
    assert.match(r.stderr, /^fs-flock: --no-fork needs (exec\(\), which Windows does not have|process\.execve \(Node 22\.15, 23\.11 or later\); this is Node )/);
    assert.strictEqual(lockable(f.path), true);
    return;
  }
  const { child, commandPid, exited } = await startHolding(t, 'fs-flock', ['-F', f.path, ...CHATTY]);
  assert.strictEqual(commandPid, child.pid);
  assert.strictEqual(lockable(f.path), false);
  child.stdin.write('exit\n');
  assert.deepStrictEqual(await exited, [5, null]);
  assert.strictEqual(lockable(f.path), true);
  // execvp(3)'s rules: PATH is searched, and a script without "#!" runs with /bin/sh.
  const script = path.join(f.dir, 'plain-script');
  fs.writeFileSync(script, 'exit 8\n', { mode: 0o755 });
  assert.strictEqual((await fsFlock(['-F', f.path, script])).code, 8);
  assert.strictEqual((await fsFlock(['-F', f.path, 'sh', '-c', 'exit 9'])).code, 9);
  const notExecutable = path.join(f.dir, 'not-executable');
  fs.writeFileSync(notExecutable, 'exit 0\n', { mode: 0o644 });
  for (const command of ['fs-flock-no-such-command', notExecutable]) {
    const ours = await fsFlock(['-F', f.path, command]);
    const why = command === notExecutable ? 'Permission denied' : 'No such file or directory';
    assert.deepStrictEqual([ours.code, ours.stderr], [69, `fs-flock: failed to execute ${command}: ${why}\n`]);
    if (differential) assert.strictEqual(normal((await flock1(['-F', f.path, command])).stderr), ours.stderr);
  }
});

test('Windows: commands run as cmd.exe runs them (PATHEXT, .cmd scripts, -c)', { skip: !isWindows && 'Windows only' }, async (t) => {
  const f = tempFile(t);
  const script = path.join(f.dir, 'show args.cmd');
  fs.writeFileSync(script, `@"${NODE}" -e "console.log(JSON.stringify(process.argv.slice(1)))" %*\r\n@exit /b 3\r\n`);
  // Wine's cmd.exe expands % even where Windows' does not (after ^): those two are for real Windows.
  const args = ['plain', 'two words', 'a&b', 'pipe|less', 'x<y>z', '(p);c,!*^`=', 'q"uote', 'back\\slash\\', ...(isWine ? [] : ['100%', '%PATH%'])];
  const r = await fsFlock([f.path, path.join(f.dir, 'show args'), ...args]);
  assert.deepStrictEqual([r.code, JSON.parse(r.stdout)], [3, args], r.stderr);
  const c = await fsFlock([f.path, '-c', 'echo hi& exit 4']);
  assert.deepStrictEqual([c.code, c.stdout.trim()], [4, 'hi']);
  const fd = await fsFlock(['3']);
  assert.strictEqual(fd.code, 64);
  assert.match(fd.stderr, /a file descriptor number cannot be locked on Windows/);
});
