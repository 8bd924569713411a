// Native wait ids are integers that cannot collide with error numbers, past 2^31 and 2^32 too. A test-only
// hook (FS_FLOCK_TEST_FIRST_WAIT_ID) starts them there instead of after 2^31 real waits.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const { fork } = require('node:child_process');
const { once } = require('node:events');
const { tempFile } = require('./helpers');

for (const first of [2 ** 31 - 4, 2 ** 32 - 4]) {
  test(`waits with ids from ${first} on are granted and cancelled as usual`, async (t) => {
    const f = tempFile(t);
    const child = fork(path.join(__dirname, 'fixtures', 'many-waits.js'), [f.path, '9'], {
      env: { ...process.env, FS_FLOCK_TEST_FIRST_WAIT_ID: String(first) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    t.after(() => clearTimeout(timer));
    const [[msg], [code, signal]] = await Promise.all([once(child, 'message'), once(child, 'exit')]);
    assert.deepStrictEqual(msg, { ok: true, granted: 6, aborted: 3 });
    assert.deepStrictEqual({ code, signal }, { code: 0, signal: null });
  });
}
