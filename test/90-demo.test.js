// The README's main job: `npm run demo` loses updates without a lock and none under LOCK_EX.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const { run } = require('./helpers');

test('the demo shows lost updates without a lock and none with one', async () => {
  const res = await run(process.execPath, [path.join(__dirname, '..', 'dist', 'demo.js')]);
  assert.strictEqual(res.code, 0, res.stderr);
  assert.match(res.stdout, /with LOCK_EX\s+count\s+2000 of 2000\s+lost updates:\s+0 /);
  assert.match(res.stdout, /without a lock\s+count\s+\d+ of 2000/);
});
