// Interop with programs nobody here wrote: util-linux flock(1) and Python's fcntl.flock exclude fs-flock and
// are excluded by it, both ways, because all of them use flock(2) on the same open-file-description model.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { spawn } = require('node:child_process');
const { flock, flockSync, tryLock, unlock } = require('..');
const { tempFile, run, firstLine, isWindows } = require('./helpers');

const skip = isWindows && 'flock(1) and fcntl.flock are POSIX programs (under Wine, Windows locks are fcntl locks)';

const PY_HOLD = 'import fcntl,sys\nf=open(sys.argv[1],"r+")\nfcntl.flock(f, fcntl.LOCK_SH if sys.argv[2]=="sh" else fcntl.LOCK_EX)\nprint("held",flush=True)\nsys.stdin.read()';
const PY_TRY = 'import fcntl,sys\nf=open(sys.argv[1],"r+")\ntry:\n  fcntl.flock(f, (fcntl.LOCK_SH if sys.argv[2]=="sh" else fcntl.LOCK_EX)|fcntl.LOCK_NB)\nexcept BlockingIOError:\n  sys.exit(3)';

/** Starts a program that prints "held" once it holds the lock and releases when its stdin closes. */
async function externalHolder(t, cmd, args) {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => child.kill());
  assert.strictEqual(await firstLine(child), 'held');
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return { release: () => { child.stdin.end(); return exited; } };
}

const holders = {
  'flock(1)': (path, mode) => ['flock', [mode === 'sh' ? '-s' : '-x', path, '-c', 'echo held; cat >/dev/null']],
  'python fcntl.flock': (path, mode) => ['python3', ['-c', PY_HOLD, path, mode]],
};
const tries = {
  'flock(1)': async (path, mode) => (await run('flock', [mode === 'sh' ? '-s' : '-x', '-n', path, 'true'])).code === 0,
  'python fcntl.flock': async (path, mode) => {
    const res = await run('python3', ['-c', PY_TRY, path, mode]);
    assert.ok(res.code === 0 || res.code === 3, res.stderr);
    return res.code === 0;
  },
};

for (const name of Object.keys(holders)) {
  test(`while ${name} holds EX, tryLock is false; after it exits, true`, { skip }, async (t) => {
    const f = tempFile(t);
    const fd = f.open();
    const ext = await externalHolder(t, ...holders[name](f.path, 'ex'));
    assert.strictEqual(tryLock(fd), false);
    assert.strictEqual(tryLock(fd, { shared: true }), false);
    await ext.release();
    assert.strictEqual(tryLock(fd), true);
  });

  test(`while ${name} holds SH, fs-flock gets SH but not EX`, { skip }, async (t) => {
    const f = tempFile(t);
    const fd = f.open();
    const ext = await externalHolder(t, ...holders[name](f.path, 'sh'));
    assert.strictEqual(tryLock(fd), false);
    assert.strictEqual(tryLock(fd, { shared: true }), true);
    unlock(fd);
    await ext.release();
  });

  test(`while fs-flock holds EX, ${name} is refused EX and SH; after unlock it succeeds`, { skip }, async (t) => {
    const f = tempFile(t);
    const fd = f.open();
    flockSync(fd, 'ex');
    assert.strictEqual(await tries[name](f.path, 'ex'), false);
    assert.strictEqual(await tries[name](f.path, 'sh'), false);
    unlock(fd);
    assert.strictEqual(await tries[name](f.path, 'ex'), true);
  });

  test(`while fs-flock holds SH, ${name} gets SH but not EX`, { skip }, async (t) => {
    const f = tempFile(t);
    const fd = f.open();
    flockSync(fd, 'sh');
    assert.strictEqual(await tries[name](f.path, 'sh'), true);
    assert.strictEqual(await tries[name](f.path, 'ex'), false);
  });

  test(`a blocking flock() waits for ${name} to release`, { skip }, async (t) => {
    const f = tempFile(t);
    const fd = f.open();
    const ext = await externalHolder(t, ...holders[name](f.path, 'ex'));
    let granted = false;
    const waiting = flock(fd, 'ex').then(() => (granted = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.strictEqual(granted, false);
    await ext.release();
    await waiting;
    assert.strictEqual(granted, true);
    assert.strictEqual(await tries[name](f.path, 'sh'), false);
  });
}

test('flock(1) -w waits in the kernel behind fs-flock and gets the lock when fs-flock releases', { skip }, async (t) => {
  const f = tempFile(t);
  const fd = f.open();
  flockSync(fd, 'ex');
  const child = spawn('flock', ['-x', '-w', '60', f.path, '-c', 'echo got'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.kill());
  const line = firstLine(child);
  unlock(fd);
  assert.strictEqual(await line, 'got');
});
